import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';

type EntityRecord = { typename: string; id?: number | string };

interface Entry {
  result: ExecutionResult;
  /** The answer as sent, `{"data":…}` in UTF-8: built once, and what the budget counts. */
  bytes: Uint8Array<ArrayBuffer>;
  expiresAt: number;
  entityKeys: string[];
}

export interface BoundedCacheOptions {
  /** Bytes of answers held at most; the oldest entries make room for new ones. */
  maxBytes: number;
  /** An answer larger than this is not kept at all. */
  maxEntryBytes: number;
  /** How long an answer may take between the lookup that missed and its `set`: one that took longer is not kept (default 60 s). */
  maxExecutionMs?: number;
  now?: () => number;
}

/** The oldest lookup under one key that no answer has settled yet: when it missed, in invalidations and in time. */
interface Pending {
  version: number;
  at: number;
}

const entityKey = (entity: EntityRecord) => (entity.id === undefined ? entity.typename : `${entity.typename}:${entity.id}`);

/** The session a cache key was built for: keys are `<session>|<hash>` (see response-cache.ts). */
export const sessionOfKey = (key: string) => key.slice(0, key.indexOf('|'));

/**
 * The response cache's store: bounded by the bytes of its answers, not their number. Entries
 * leave when they expire, when the budget needs room (oldest first), when an entity they show
 * changes, or when their session (an API key) is dropped.
 */
export function createBoundedCache({ maxBytes, maxEntryBytes, maxExecutionMs = 60_000, now = Date.now }: BoundedCacheOptions) {
  // In insertion order, which with one TTL for all is also expiry order.
  const entries = new Map<string, Entry>();
  const keysByEntity = new Map<string, Set<string>>();
  const bytesByData = new WeakMap<object, Uint8Array<ArrayBuffer>>();
  let heldBytes = 0;

  // An answer is worked out between the lookup that missed and its `set`, and on a database read
  // over the network (PostgreSQL) an entity it shows may change meanwhile: the invalidation finds
  // nothing to drop yet, and the answer, read before the change, would then be kept and served
  // until it expires. So each miss notes how many invalidations there had been, each entity the
  // last invalidation that named it, and `set` keeps no answer an entity of it was invalidated
  // since. Both are in order of age: misses by key as first made, entities by last invalidation.
  let invalidations = 0;
  const pending = new Map<string, Pending>();
  const invalidatedAt = new Map<string, number>();

  /** Forgets misses older than an answer may take, and invalidations no pending answer began before. */
  function prune() {
    const tooOld = now() - maxExecutionMs;
    for (const [key, started] of pending) {
      if (started.at > tooOld) break;
      pending.delete(key);
    }
    const oldest = pending.values().next().value?.version ?? invalidations;
    for (const [entity, version] of invalidatedAt) {
      if (version > oldest) break;
      invalidatedAt.delete(entity);
    }
  }

  function missed(key: string) {
    prune();
    // One request looks its key up twice (yoga's plugin, then envelop's): the first miss stands.
    if (!pending.has(key)) pending.set(key, { version: invalidations, at: now() });
  }

  /**
   * Whether an entity of an answer under `key` may have been invalidated since its lookup missed:
   * one that was, or one whose miss is forgotten (it took longer than an answer may, or there was
   * no lookup, or another answer under the key settled it). An answer settles every lookup under
   * its key so far, so the next one starts afresh.
   */
  function staleSinceMiss(key: string, entityKeys: string[]): boolean {
    const started = pending.get(key);
    if (!started) return true;
    pending.delete(key);
    return entityKeys.some((entity) => (invalidatedAt.get(entity) ?? 0) > started.version);
  }

  function remove(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    heldBytes -= entry.bytes.byteLength;
    for (const entity of entry.entityKeys) {
      const keys = keysByEntity.get(entity);
      keys?.delete(key);
      if (keys?.size === 0) keysByEntity.delete(entity);
    }
  }

  /** Expired entries first, then the oldest, until `room` more bytes fit. */
  function evict(room: number) {
    const time = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt > time && heldBytes + room <= maxBytes) break;
      remove(key);
    }
  }

  const cache: Cache = {
    get(key) {
      const entry = entries.get(key);
      if (entry && entry.expiresAt > now()) return entry.result;
      if (entry) remove(key);
      missed(key);
      return undefined;
    },
    set(key, result, entities, ttl) {
      remove(key);
      const entityKeys = [...new Set([...entities].flatMap((entity) => [entityKey(entity), entity.typename]))];
      if (staleSinceMiss(key, entityKeys)) return;
      const bytes = new TextEncoder().encode(JSON.stringify({ data: result.data }));
      if (bytes.byteLength > maxEntryBytes || !result.data) return;
      evict(bytes.byteLength);
      entries.set(key, { result, bytes, expiresAt: now() + ttl, entityKeys });
      bytesByData.set(result.data, bytes);
      heldBytes += bytes.byteLength;
      for (const entity of entityKeys) {
        let keys = keysByEntity.get(entity);
        if (!keys) keysByEntity.set(entity, (keys = new Set()));
        keys.add(key);
      }
    },
    invalidate(entities) {
      invalidations++;
      for (const entity of entities) {
        const key = entityKey(entity);
        for (const cached of [...(keysByEntity.get(key) ?? [])]) remove(cached);
        if (pending.size > 0) {
          invalidatedAt.delete(key);
          invalidatedAt.set(key, invalidations);
        }
      }
      prune();
    },
  };

  return {
    cache,
    /** The bytes of a cached answer, by the data object a hit hands out. */
    bytesOf: (data: object) => bytesByData.get(data),
    dropSession(session: string) {
      for (const key of [...entries.keys()]) if (sessionOfKey(key) === session) remove(key);
    },
    stats: () => ({ entries: entries.size, bytes: heldBytes }),
  };
}

export type BoundedCache = ReturnType<typeof createBoundedCache>;
