import type { DataAlertRow, InstanceRow, JobRow, OrganisationRow } from '../../db/schema.ts';
import { TOKEN_EXPIRED_MESSAGE, type TokenExhaustionReason } from '../errors.ts';
import type { EventBus } from '../events.ts';

/**
 * The events a state change owes its subscribers. Services are given this, never the event bus:
 * the response cache drops answers on these events, so a change published elsewhere would leave
 * stale answers behind.
 */
export function createAnnouncements(events: EventBus) {
  return {
    organisationCreated(organisation: OrganisationRow) {
      events.publish('organisationCreated', organisation.id, organisation);
    },

    instanceChanged(instance: InstanceRow) {
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    tokensExhausted(instance: InstanceRow, reason: TokenExhaustionReason) {
      events.publish('tokenExhausted', instance.organisationId, { instance, message: TOKEN_EXPIRED_MESSAGE, reason, occurredAt: new Date() });
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    reauthenticated(instance: InstanceRow) {
      events.publish('reauthCompleted', instance.organisationId, { instance, occurredAt: new Date() });
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    jobChanged(job: JobRow) {
      events.publish('jobUpdated', job.organisationId, job);
    },

    snapshotsPruned(instance: InstanceRow, snapshotIds: string[]) {
      events.publish('snapshotsPruned', instance.organisationId, { instance, snapshotIds });
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    tokensLow(instance: InstanceRow, tokensRemaining: number) {
      events.publish('tokensLow', instance.organisationId, { instance, tokensRemaining, occurredAt: new Date() });
    },

    dataAlertChanged(alert: DataAlertRow) {
      events.publish('dataAlert', alert.organisationId, alert);
    },
  };
}

export type Announcements = ReturnType<typeof createAnnouncements>;
