import { createInMemoryCache, useResponseCache } from '@graphql-yoga/plugin-response-cache';
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
export function responseCachePlugin(events: EventBus) {
  const cache = createInMemoryCache({ max: 2000 });
  events.observe((event) => void cache.invalidate(staleEntities(event)));
  return useResponseCache({
    cache,
    ttl: TTL_MS,
    // Keys never share entries; requests without a key are not cached.
    session: (request) => {
      const authorization = request.headers.get('authorization');
      return authorization ? sha256(authorization) : null;
    },
    enabled: (request) => request.headers.has('authorization'),
    includeExtensionMetadata: false,
  });
}
