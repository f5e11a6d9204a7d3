import { describe, expect, it } from 'vitest';
import { createBoundedCache } from '../../src/server/bounded-cache.ts';

const answer = (bytes: number) => ({ data: { text: 'x'.repeat(bytes - 20) } });

describe('the response cache store', () => {
  it('holds at most its byte budget, dropping the oldest answers first, and never an oversized one', () => {
    const store = createBoundedCache({ maxBytes: 10_000, maxEntryBytes: 4_000 });
    for (let i = 0; i < 10; i++) void store.cache.set(`key|${i}`, answer(3_000), [], 60_000);
    expect(store.stats()).toEqual({ entries: 3, bytes: 9_000 });
    expect(store.cache.get('key|0')).toBeUndefined();
    expect(store.cache.get('key|9')).toBeDefined();
    void store.cache.set('key|big', answer(5_000), [], 60_000);
    expect(store.cache.get('key|big')).toBeUndefined();
    expect(store.stats().bytes).toBeLessThanOrEqual(10_000);
  });

  it('drops expired answers, the ones an entity change makes stale, and those of a dropped session', () => {
    let now = 0;
    const store = createBoundedCache({ maxBytes: 100_000, maxEntryBytes: 10_000, now: () => now });
    void store.cache.set('alice|1', answer(1_000), [{ typename: 'Instance', id: 'i1' }], 1_000);
    void store.cache.set('alice|2', answer(1_000), [{ typename: 'Organisation', id: 'o1' }], 10_000);
    void store.cache.set('bob|1', answer(1_000), [{ typename: 'Organisation', id: 'o2' }], 10_000);
    now = 2_000;
    expect(store.cache.get('alice|1')).toBeUndefined();
    void store.cache.set('bob|2', answer(1_000), [], 10_000);
    expect(store.stats().entries).toBe(3);
    void store.cache.invalidate([{ typename: 'Organisation', id: 'o2' }]);
    expect(store.cache.get('bob|1')).toBeUndefined();
    store.dropSession('alice');
    expect(store.cache.get('alice|2')).toBeUndefined();
    expect(store.stats()).toEqual({ entries: 1, bytes: 1_000 });
    void store.cache.invalidate([{ typename: 'Organisation' }]);
    expect(store.cache.get('bob|2')).toBeDefined();
  });
});
