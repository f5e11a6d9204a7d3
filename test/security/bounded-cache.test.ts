import { describe, expect, it } from 'vitest';
import { createBoundedCache, type BoundedCache } from '../../src/server/bounded-cache.ts';

const answer = (bytes: number) => ({ data: { text: 'x'.repeat(bytes - 20) } });

/** An answer as the response cache stores one: its lookup missed, then it was worked out and set. */
function answered(store: BoundedCache, key: string, bytes: number, entities: { typename: string; id?: string }[], ttl: number) {
  expect(store.cache.get(key)).toBeUndefined();
  void store.cache.set(key, answer(bytes), entities, ttl);
}

describe('the response cache store', () => {
  it('holds at most its byte budget, dropping the oldest answers first, and never an oversized one', () => {
    const store = createBoundedCache({ maxBytes: 10_000, maxEntryBytes: 4_000 });
    for (let i = 0; i < 10; i++) answered(store, `key|${i}`, 3_000, [], 60_000);
    expect(store.stats()).toEqual({ entries: 3, bytes: 9_000 });
    expect(store.cache.get('key|0')).toBeUndefined();
    expect(store.cache.get('key|9')).toBeDefined();
    answered(store, 'key|big', 5_000, [], 60_000);
    expect(store.cache.get('key|big')).toBeUndefined();
    expect(store.stats().bytes).toBeLessThanOrEqual(10_000);
  });

  it('drops expired answers, the ones an entity change makes stale, and those of a dropped session', () => {
    let now = 0;
    const store = createBoundedCache({ maxBytes: 100_000, maxEntryBytes: 10_000, now: () => now });
    answered(store, 'alice|1', 1_000, [{ typename: 'Instance', id: 'i1' }], 1_000);
    answered(store, 'alice|2', 1_000, [{ typename: 'Organisation', id: 'o1' }], 10_000);
    answered(store, 'bob|1', 1_000, [{ typename: 'Organisation', id: 'o2' }], 10_000);
    now = 2_000;
    expect(store.cache.get('alice|1')).toBeUndefined();
    answered(store, 'bob|2', 1_000, [], 10_000);
    expect(store.stats().entries).toBe(3);
    void store.cache.invalidate([{ typename: 'Organisation', id: 'o2' }]);
    expect(store.cache.get('bob|1')).toBeUndefined();
    store.dropSession('alice');
    expect(store.cache.get('alice|2')).toBeUndefined();
    expect(store.stats()).toEqual({ entries: 1, bytes: 1_000 });
    void store.cache.invalidate([{ typename: 'Organisation' }]);
    expect(store.cache.get('bob|2')).toBeDefined();
  });

  it('keeps no answer an entity of which changed while it was worked out, and keeps the others', () => {
    const store = createBoundedCache({ maxBytes: 100_000, maxEntryBytes: 10_000 });
    const job = { typename: 'Job', id: 'j1' };
    // Missed, the job changed, then the answer (read before the change) arrives: not kept.
    expect(store.cache.get('alice|job')).toBeUndefined();
    void store.cache.invalidate([job]);
    void store.cache.set('alice|job', answer(1_000), [job], 60_000);
    expect(store.cache.get('alice|job')).toBeUndefined();
    // The lookup above missed again: worked out with nothing changed meanwhile, it is kept.
    void store.cache.set('alice|job', answer(1_000), [job], 60_000);
    expect(store.cache.get('alice|job')).toBeDefined();
    // Another entity's change, or one before the miss, leaves an answer be.
    void store.cache.invalidate([job]);
    expect(store.cache.get('alice|other')).toBeUndefined();
    void store.cache.invalidate([{ typename: 'Job', id: 'j2' }]);
    void store.cache.set('alice|other', answer(1_000), [job], 60_000);
    expect(store.cache.get('alice|other')).toBeDefined();
    // A change of every entity of a type makes the answers showing one of them stale.
    expect(store.cache.get('alice|list')).toBeUndefined();
    void store.cache.invalidate([{ typename: 'Instance' }]);
    void store.cache.set('alice|list', answer(1_000), [{ typename: 'Instance', id: 'i1' }], 60_000);
    expect(store.cache.get('alice|list')).toBeUndefined();
  });

  it('keeps the next answer under a key after one refused, however many lookups each request made', () => {
    const store = createBoundedCache({ maxBytes: 100_000, maxEntryBytes: 10_000 });
    const job = { typename: 'Job', id: 'j1' };
    // Each request looks its key up twice, as the yoga and envelop layers of the plugin do.
    const request = (changedMeanwhile: boolean) => {
      expect(store.cache.get('alice|job')).toBeUndefined();
      expect(store.cache.get('alice|job')).toBeUndefined();
      if (changedMeanwhile) void store.cache.invalidate([job]);
      void store.cache.set('alice|job', answer(1_000), [job], 60_000);
    };
    request(true);
    expect(store.stats().entries).toBe(0);
    request(false);
    expect(store.cache.get('alice|job')).toBeDefined();
  });

  it('keeps neither of two answers under one key begun before a change, nor one that took longer than an answer may', () => {
    let now = 0;
    const store = createBoundedCache({ maxBytes: 100_000, maxEntryBytes: 10_000, maxExecutionMs: 5_000, now: () => now });
    const instance = { typename: 'Instance', id: 'i1' };
    expect(store.cache.get('bob|1')).toBeUndefined();
    expect(store.cache.get('bob|1')).toBeUndefined();
    void store.cache.invalidate([instance]);
    void store.cache.set('bob|1', answer(1_000), [instance], 60_000);
    void store.cache.set('bob|1', answer(1_000), [instance], 60_000);
    expect(store.cache.get('bob|1')).toBeUndefined();
    // Missed, then an answer only after maxExecutionMs: not kept, whatever changed meanwhile.
    now = 10_000;
    void store.cache.invalidate([{ typename: 'Organisation', id: 'o1' }]);
    void store.cache.set('bob|1', answer(1_000), [instance], 60_000);
    expect(store.cache.get('bob|1')).toBeUndefined();
    // Nor one set without a lookup.
    void store.cache.set('bob|2', answer(1_000), [instance], 60_000);
    expect(store.stats().entries).toBe(0);
  });
});
