import { createInMemoryCache, useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import { processRegularResult, type Plugin } from 'graphql-yoga';
import { globalId } from '../../schema/ids.ts';
import { sha256 } from '../crypto.ts';
import type { EventBus, PublishedEvent } from '../events.ts';

// A safety net only: every change the API can show is published, and publishing drops what it
// makes stale.
const TTL_MS = 60_000;

function staleEntities(event: PublishedEvent): { typename: string; id?: string }[] {
  const organisation = (id: string) => ({ typename: 'Organisation', id: globalId('Organisation', id) });
  const instance = (id: string) => ({ typename: 'Instance', id: globalId('Instance', id) });
  switch (event.topic) {
    case 'organisationCreated':
      // Lists of organisations gain one: drop every cached response holding an organisation.
      return [{ typename: 'Organisation' }];
    case 'instanceUpdated':
      return [instance(event.payload.id), organisation(event.payload.organisationId)];
    case 'tokenExhausted':
    case 'reauthCompleted':
      return [instance(event.payload.instance.id), organisation(event.payload.instance.organisationId)];
    case 'jobUpdated': {
      const job = { typename: 'Job', id: globalId('Job', event.payload.id) };
      // A new job joins its instance's and organisation's lists; later changes touch only the job.
      return event.payload.status === 'QUEUED'
        ? [job, instance(event.payload.instanceId), organisation(event.payload.organisationId)]
        : [job];
    }
  }
}

/**
 * Caches query results per API key, so a dashboard polling the same query is answered without
 * touching the database until something it shows changes.
 */
export function responseCachePlugin(events: EventBus): Plugin {
  const cache = createInMemoryCache({ max: 2000 });
  events.observe((event) => void cache.invalidate(staleEntities(event)));
  const responseCache = useResponseCache({
    cache,
    ttl: TTL_MS,
    // Keys never share entries; requests without a key are not cached.
    session: (request) => {
      const authorization = request.headers.get('authorization');
      return authorization ? sha256(authorization) : null;
    },
    // `Cache-Control: no-cache` asks for a fresh answer, as in HTTP caches.
    enabled: (request) => request.headers.has('authorization') && !request.headers.get('cache-control')?.includes('no-cache'),
    // The default key hashes through WebCrypto's async digest, a measurable share of each hit.
    buildResponseCacheKey: ({ documentString, operationName, variableValues, sessionId }) =>
      sha256([documentString, operationName ?? '', JSON.stringify(variableValues ?? {}), sessionId ?? ''].join('|')),
    includeExtensionMetadata: false,
  });
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(responseCache);
    },
    // A hit answers with the entry's JSON bytes, built once: yoga would serialise the cached result
    // again on every request. Its status and headers (content type, ETag) stay yoga's.
    onResultProcess(payload) {
      const { request, result, resultProcessor } = payload;
      if (!isCacheHit(result) || resultProcessor !== processRegularResult) return;
      bytesByHitRequest.set(request, cachedBytes(result));
      payload.setResult({ ...result, stringify: () => '' });
    },
    onResponse(payload) {
      const { request, response, fetchAPI } = payload;
      const bytes = bytesByHitRequest.get(request);
      if (!bytes) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-length', String(bytes.length));
      payload.setResponse(new fetchAPI.Response(bytes, { status: response.status, headers }));
    },
  };
}

const SERVED_FROM_CACHE = Symbol.for('servedFromResponseCache');

function isCacheHit(result: unknown): result is ExecutionResult {
  return typeof result === 'object' && result !== null && SERVED_FROM_CACHE in result;
}

const bytesByHitRequest = new WeakMap<Request, Uint8Array<ArrayBuffer>>();
// Every hit on an entry shares the entry's data object, so the bytes live as long as the entry.
const bytesByCachedData = new WeakMap<object, Uint8Array<ArrayBuffer>>();

function cachedBytes({ data }: ExecutionResult): Uint8Array<ArrayBuffer> {
  let bytes = bytesByCachedData.get(data!);
  if (bytes === undefined) {
    bytes = new TextEncoder().encode(JSON.stringify({ data }));
    bytesByCachedData.set(data!, bytes);
  }
  return bytes;
}
