import { OPERATOR_CHANNEL, type EventBus, type Topics } from '../events.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

type TopicName = keyof Topics;
type Payload<T extends TopicName> = Topics[T][1];

export function createSubscriptionService(events: EventBus) {
  return {
    /**
     * Events of one organisation: the key's own unless it names another it may see. The operator
     * key must name one, so no stream ever mixes organisations; only organisation changes have a
     * stream of every organisation's, for the operator key alone.
     */
    subscribe<T extends TopicName>(
      viewer: Viewer,
      topic: T,
      organisationId: string | null | undefined,
      keep: (payload: Payload<T>) => boolean | Promise<boolean> = () => true,
    ): AsyncIterable<Payload<T>> {
      const everyOrganisation = viewer.kind === 'operator' && topic === 'organisationChanged' ? OPERATOR_CHANNEL : undefined;
      const target = organisationId ?? (viewer.kind === 'member' ? viewer.organisationId : everyOrganisation);
      if (!target) throw new InvalidInputError('organisationId is required with the operator key', 'organisationId');
      if (target === OPERATOR_CHANNEL) return events.subscribe(topic, target, keep);
      if (!canSeeOrganisation(viewer, target)) throw new NotFoundError('Organisation', target);
      return events.subscribe(topic, target, keep);
    },
  };
}
