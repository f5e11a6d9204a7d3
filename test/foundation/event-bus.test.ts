import { describe, expect, it } from 'vitest';
import type { JobRow } from '../../db/schema.ts';
import { createEventBus, SUBSCRIBER_EVENT_BUFFER } from '../../src/events.ts';

const job = (n: number) => ({ id: `job-${n}` }) as JobRow;

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  while (values.length < count) values.push((await iterator.next()).value as T);
  return values;
}

describe('event bus', () => {
  it('gives every subscriber of a topic every event, however slowly each one reads', async () => {
    const events = createEventBus();
    const fast = events.subscribe('jobUpdated', 'org-1')[Symbol.asyncIterator]();
    const slow = events.subscribe('jobUpdated', 'org-1')[Symbol.asyncIterator]();
    // Reading starts the subscriptions.
    const firstFast = fast.next();
    const firstSlow = slow.next();
    for (let n = 1; n <= 5; n += 1) events.publish('jobUpdated', 'org-1', job(n));

    expect([(await firstFast).value, ...(await take(fast, 4))].map((row) => row.id)).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
    expect([(await firstSlow).value, ...(await take(slow, 4))].map((row) => row.id)).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
    await Promise.all([fast.return?.(), slow.return?.()]);
  });

  it('keeps events in order while a check that answers later decides, leaving out those it refuses and keeping those it fails to check', async () => {
    const events = createEventBus();
    const answers = new Map<string, { resolve: (keep: boolean) => void; reject: (error: Error) => void }>();
    const keep = (row: JobRow) => {
      if (row.id === 'job-5') return true;
      return new Promise<boolean>((resolve, reject) => answers.set(row.id, { resolve, reject }));
    };
    const subscriber = events.subscribe('jobUpdated', 'org-1', keep)[Symbol.asyncIterator]();
    const first = subscriber.next();
    for (let n = 1; n <= 5; n += 1) events.publish('jobUpdated', 'org-1', job(n));
    await new Promise((resolve) => setImmediate(resolve));
    // Answered out of order: job-3 first, and job-5 needed no check, yet each waits for those before it.
    answers.get('job-3')!.resolve(true);
    answers.get('job-2')!.resolve(false);
    answers.get('job-4')!.reject(new Error('the database is away'));
    answers.get('job-1')!.resolve(true);
    expect([(await first).value, ...(await take(subscriber, 3))].map((row) => row.id)).toEqual(['job-1', 'job-3', 'job-4', 'job-5']);
    await subscriber.return?.();
  });

  it('routes by organisation', async () => {
    const events = createEventBus();
    const own = events.subscribe('jobUpdated', 'org-1')[Symbol.asyncIterator]();
    const pending = own.next();
    events.publish('jobUpdated', 'org-2', job(1));
    events.publish('jobUpdated', 'org-1', job(2));
    expect((await pending).value.id).toBe('job-2');
    await own.return?.();
  });

  it('drops only the oldest events of a subscriber that falls a whole buffer behind', async () => {
    const events = createEventBus();
    const lagging = events.subscribe('jobUpdated', 'org-1')[Symbol.asyncIterator]();
    const first = lagging.next();
    const total = SUBSCRIBER_EVENT_BUFFER + 11;
    for (let n = 1; n <= total; n += 1) events.publish('jobUpdated', 'org-1', job(n));
    expect((await first).value.id).toBe('job-1');
    const rest = await take(lagging, SUBSCRIBER_EVENT_BUFFER);
    expect(rest[0].id).toBe(`job-${total - SUBSCRIBER_EVENT_BUFFER + 1}`);
    expect(rest.at(-1)!.id).toBe(`job-${total}`);
    await lagging.return?.();
  });

  it("lets the publisher's own work finish before subscribers get the event", async () => {
    const events = createEventBus();
    const subscriber = events.subscribe('jobUpdated', 'org-1')[Symbol.asyncIterator]();
    let delivered = false;
    const first = subscriber.next().then((result) => {
      delivered = true;
      return result;
    });
    events.publish('jobUpdated', 'org-1', job(1));
    // A mutation's response is a chain of promises after its resolver published.
    for (let step = 0; step < 100; step += 1) await Promise.resolve();
    expect(delivered).toBe(false);
    expect((await first).value.id).toBe('job-1');
    await subscriber.return?.();
  });
});
