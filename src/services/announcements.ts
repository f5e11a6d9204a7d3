import type { InstanceRow, JobRow } from '../../db/schema.ts';
import { TokenExpiredError, type TokenExhaustionReason } from '../errors.ts';
import type { EventBus } from '../events.ts';

/** The events a state change owes its subscribers, published in one place so none is forgotten. */
export function createAnnouncements(events: EventBus) {
  return {
    instanceChanged(instance: InstanceRow) {
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    tokensExhausted(instance: InstanceRow, reason: TokenExhaustionReason) {
      events.publish('tokenExhausted', instance.organisationId, {
        instance,
        message: new TokenExpiredError(instance.id, instance.tokenLimit, 0, reason).message,
        reason,
        occurredAt: new Date(),
      });
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    jobChanged(job: JobRow) {
      events.publish('jobUpdated', job.organisationId, job);
    },

    tokensLow(instance: InstanceRow, tokensRemaining: number) {
      events.publish('tokensLow', instance.organisationId, { instance, tokensRemaining, occurredAt: new Date() });
    },
  };
}

export type Announcements = ReturnType<typeof createAnnouncements>;
