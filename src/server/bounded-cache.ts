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
  now?: () => number;
}

const entityKey = (entity: EntityRecord) => (entity.id === undefined ? entity.typename : `${entity.typename}:${entity.id}`);

/** The session a cache key was built for: keys are `<session>|<hash>` (see response-cache.ts). */
export const sessionOfKey = (key: string) => key.slice(0, key.indexOf('|'));

/**
 * The response cache's store: bounded by the bytes of its answers, not their number. Entries
 * leave when they expire, when the budget needs room (oldest first), when an entity they show
 * changes, or when their session (an API key) is dropped.
 */
export function createBoundedCache({ maxBytes, maxEntryBytes, now = Date.now }: BoundedCacheOptions) {
  // In insertion order, which with one TTL for all is also expiry order.
  const entries = new Map<string, Entry>();
  const keysByEntity = new Map<string, Set<string>>();
  const bytesByData = new WeakMap<object, Uint8Array<ArrayBuffer>>();
  let heldBytes = 0;

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
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(key);
        return undefined;
      }
      return entry.result;
    },
    set(key, result, entities, ttl) {
      remove(key);
      const bytes = new TextEncoder().encode(JSON.stringify({ data: result.data }));
      if (bytes.byteLength > maxEntryBytes || !result.data) return;
      evict(bytes.byteLength);
      const entityKeys = [...new Set([...entities].flatMap((entity) => [entityKey(entity), entity.typename]))];
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
      for (const entity of entities) {
        for (const key of [...(keysByEntity.get(entityKey(entity)) ?? [])]) remove(key);
      }
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
