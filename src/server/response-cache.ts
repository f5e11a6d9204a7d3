import { randomUUID } from 'node:crypto';
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import { processRegularResult, type Plugin } from 'graphql-yoga';
import { globalId } from '../../schema/ids.ts';
import { sha256 } from '../crypto.ts';
import type { EventBus, PublishedEvent } from '../events.ts';
import type { Viewer } from '../services/viewer.ts';
import { createBoundedCache } from './bounded-cache.ts';
import type { ServerContext } from './context.ts';

// A safety net only: every change the API can show is published, and publishing drops what it
// makes stale.
const TTL_MS = 60_000;
/** Answers held at most, in bytes of JSON; the oldest make room. */
export const RESPONSE_CACHE_BYTES = 32 * 1024 * 1024;
/** A larger answer (a page of big records) is not worth holding. */
export const RESPONSE_CACHE_ENTRY_BYTES = 1024 * 1024;
/** A larger request is not answered from the cache: hashing its variables into a key costs more than a hit saves. */
export const RESPONSE_CACHE_REQUEST_BYTES = 64 * 1024;

function staleEntities(event: PublishedEvent): { typename: string; id?: string }[] {
  const organisation = (id: string) => ({ typename: 'Organisation', id: globalId('Organisation', id) });
  const instance = (id: string) => ({ typename: 'Instance', id: globalId('Instance', id) });
  switch (event.topic) {
    case 'organisationChanged':
      // Lists of organisations gain or lose one: drop every cached response holding an organisation.
      return [{ typename: 'Organisation' }];
    case 'instanceUpdated':
      return [instance(event.payload.id), organisation(event.payload.organisationId)];
    case 'instanceRemoved':
      return [instance(event.payload.instanceId), organisation(event.payload.organisationId)];
    case 'apiKeyChanged':
      // Key lists are not cached per key id: every answer that listed keys goes.
      return [{ typename: 'ApiKey' }];
    case 'tokenExhausted':
    case 'tokensLow':
    case 'reauthCompleted':
      return [instance(event.payload.instance.id), organisation(event.payload.instance.organisationId)];
    case 'snapshotsPruned':
      return [
        instance(event.payload.instance.id),
        organisation(event.payload.instance.organisationId),
        ...event.payload.snapshotIds.map((id) => ({ typename: 'Snapshot', id: globalId('Snapshot', id) })),
      ];
    case 'jobUpdated': {
      const job = { typename: 'Job', id: globalId('Job', event.payload.id) };
      // A new job joins its instance's and organisation's lists; later changes touch only the job.
      return event.payload.status === 'QUEUED'
        ? [job, instance(event.payload.instanceId), organisation(event.payload.organisationId)]
        : [job];
    }
    case 'dataAlert':
      // A new alert joins its instance's list; an acknowledgement changes the alert.
      return [{ typename: 'DataAlert', id: globalId('DataAlert', event.payload.id) }, instance(event.payload.instanceId)];
  }
}

/** Entries are kept per API key, so revoking a key can drop its answers. */
const sessionOf = (viewer: Viewer) => (viewer.kind === 'operator' ? 'operator' : viewer.keyId);

/**
 * Cached answers, bounded in bytes, kept per API key, so a dashboard polling the same query is
 * answered without touching the database until something it shows changes.
 */
export function createResponseCache(events: EventBus) {
  const store = createBoundedCache({ maxBytes: RESPONSE_CACHE_BYTES, maxEntryBytes: RESPONSE_CACHE_ENTRY_BYTES });
  events.observe((event) => void store.cache.invalidate(staleEntities(event)));
  return {
    store,
    /** A revoked key's answers are never served again. */
    dropKey: (keyId: string) => store.dropSession(keyId),
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;

export function responseCachePlugin({ store }: ResponseCache, viewerOf: (request: Request, server: ServerContext) => Viewer | null): Plugin {
  const responseCache = useResponseCache<ServerContext>({
    cache: store.cache,
    ttl: TTL_MS,
    // The audit log grows with every mutation and wrong key: never answered from the cache.
    ttlPerSchemaCoordinate: { 'Query.auditLog': 0 },
    // Keys never share entries; requests without a valid key are not cached.
    session: (request, server) => {
      const viewer = viewerOf(request, server);
      return viewer ? sessionOf(viewer) : null;
    },
    // `Cache-Control: no-cache` asks for a fresh answer, as in HTTP caches. Operations over
    // graphql-ws come without a request (and without one, crashed the socket here): not cached.
    enabled: (request: Request | undefined, server) =>
      request !== undefined && !tooLarge(request) && viewerOf(request, server) !== null && !request.headers.get('cache-control')?.includes('no-cache'),
    // The default key hashes through WebCrypto's async digest, a measurable share of each hit. The
    // plugin asks for a key before it asks whether caching is enabled: a large request gets one
    // that is never looked up.
    buildResponseCacheKey: ({ documentString, operationName, variableValues, sessionId, request }) =>
      tooLarge(request) ? randomUUID() : `${sessionId ?? ''}|${sha256([documentString, operationName ?? '', variablesKey(variableValues)].join('|'))}`,
    includeExtensionMetadata: false,
  });
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(responseCache);
    },
    // A hit answers with the entry's JSON bytes, built once: yoga would serialise the cached result
    // again on every request. Its status and headers (content type, ETag) stay yoga's.
    onResultProcess({ request, result, resultProcessor, setResult }) {
      if (!isCacheHit(result) || resultProcessor !== processRegularResult) return;
      const bytes = result.data ? store.bytesOf(result.data) : undefined;
      if (!bytes) return;
      bytesByHitRequest.set(request, bytes);
      setResult({ ...result, stringify: () => '' });
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const bytes = bytesByHitRequest.get(request);
      if (!bytes) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-length', String(bytes.length));
      setResponse(new fetchAPI.Response(bytes, { status: response.status, headers }));
    },
  };
}

const tooLarge = (request: Request) => Number(request.headers.get('content-length') ?? 0) > RESPONSE_CACHE_REQUEST_BYTES;

/** Variables nested too deeply to serialise get a key of their own, so they are never answered from the cache. */
function variablesKey(variables: unknown): string {
  try {
    return JSON.stringify(variables ?? {});
  } catch {
    return randomUUID();
  }
}

const SERVED_FROM_CACHE = Symbol.for('servedFromResponseCache');

function isCacheHit(result: unknown): result is ExecutionResult {
  return typeof result === 'object' && result !== null && SERVED_FROM_CACHE in result;
}

const bytesByHitRequest = new WeakMap<Request, Uint8Array<ArrayBuffer>>();
