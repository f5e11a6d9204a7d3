import { describe, expect, it } from 'vitest';
import { subscriberQueue } from '../../src/server/subscriber-queue.ts';

describe('a subscriber queue', () => {
  it('hands a pushed value to a waiting reader, and queues values nobody waits for, in order', async () => {
    const queue = subscriberQueue<number>(10, () => {});
    const waiting = queue.iterator.next();
    queue.push(1);
    expect(await waiting).toEqual({ value: 1, done: false });
    queue.push(2);
    queue.push(3);
    expect(await queue.iterator.next()).toEqual({ value: 2, done: false });
    expect(await queue.iterator.next()).toEqual({ value: 3, done: false });
  });

  it('keeps only the newest values when the reader falls behind by more than the limit', async () => {
    const queue = subscriberQueue<number>(3, () => {});
    for (let value = 1; value <= 5; value++) queue.push(value);
    queue.end();
    const read: number[] = [];
    for await (const value of queue.iterator) read.push(value);
    expect(read).toEqual([3, 4, 5]);
  });

  it('delivers what is queued before it ends, ends a waiting reader, and reports the end once', async () => {
    let ends = 0;
    const queue = subscriberQueue<string>(10, () => ends++);
    queue.push('a');
    queue.end();
    queue.end();
    queue.push('ignored');
    expect(await queue.iterator.next()).toEqual({ value: 'a', done: false });
    expect(await queue.iterator.next()).toEqual({ value: undefined, done: true });
    expect(ends).toBe(1);

    const other = subscriberQueue<string>(10, () => ends++);
    const waiting = other.iterator.next();
    other.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ends).toBe(2);
  });

  it('drops what is queued when the reader leaves, and reports the end', async () => {
    let ended = false;
    const queue = subscriberQueue<number>(10, () => (ended = true));
    queue.push(1);
    expect(await queue.iterator.return!()).toEqual({ value: undefined, done: true });
    expect(ended).toBe(true);
    expect(await queue.iterator.next()).toEqual({ value: undefined, done: true });
  });
});
