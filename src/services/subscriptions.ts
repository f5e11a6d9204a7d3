import { filter, pipe, Repeater } from 'graphql-yoga';
import type { EventBus, Topics } from '../events.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { ApiKeyService } from './api-keys.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

type TopicName = keyof Topics;
type Payload<T extends TopicName> = Topics[T][1];

/** The source's values until the signal aborts; then it ends, and so does the source. */
function until<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const iterator = source[Symbol.asyncIterator]();
    const end = () => stop();
    signal.addEventListener('abort', end, { once: true });
    const stopped = stop.then(() => ({ done: true, value: undefined }) as const);
    try {
      while (!signal.aborted) {
        const next = await Promise.race([iterator.next(), stopped]);
        if (next.done) break;
        await push(next.value);
      }
    } finally {
      signal.removeEventListener('abort', end);
      stop();
      await iterator.return?.();
    }
  });
}

export function createSubscriptionService(events: EventBus, apiKeys: Pick<ApiKeyService, 'revocationSignal'>) {
  return {
    /**
     * Events of one organisation: the key's own unless it names another it may see. The operator
     * key must name one, so no stream ever mixes organisations. A stream ends when its key is revoked.
     */
    subscribe<T extends TopicName>(
      viewer: Viewer,
      topic: T,
      organisationId: string | null | undefined,
      keep: (payload: Payload<T>) => boolean = () => true,
    ): AsyncIterable<Payload<T>> {
      const target = organisationId ?? (viewer.kind === 'member' ? viewer.organisationId : undefined);
      if (!target) throw new InvalidInputError('organisationId is required with the operator key', 'organisationId');
      if (!canSeeOrganisation(viewer, target)) throw new NotFoundError('Organisation', target);
      const stream = pipe(events.subscribe(topic, target), filter(keep));
      return viewer.kind === 'member' ? until(stream, apiKeys.revocationSignal(viewer.keyId)) : stream;
    },
  };
}
