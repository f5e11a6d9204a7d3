import type { ApiKeyRow, DataAlertRow, InstanceRow, JobRow, OrganisationRow } from '../../db/schema.ts';
import { TOKEN_EXPIRED_MESSAGE, type TokenExhaustionReason } from '../errors.ts';
import { OPERATOR_CHANNEL, type ApiKeyChangedEvent, type Change, type EventBus } from '../events.ts';

/**
 * The events a state change owes its subscribers. Services are given this, never the event bus:
 * the response cache drops answers on these events, so a change published elsewhere would leave
 * stale answers behind.
 */
export function createAnnouncements(events: EventBus) {
  return {
    organisationChanged(organisation: Pick<OrganisationRow, 'id'>, change: Change) {
      const event = { change, organisationId: organisation.id };
      events.publish('organisationChanged', organisation.id, event);
      events.publish('organisationChanged', OPERATOR_CHANNEL, event);
    },

    instanceChanged(instance: InstanceRow) {
      events.publish('instanceUpdated', instance.organisationId, instance);
    },

    instanceRemoved(instance: Pick<InstanceRow, 'id' | 'organisationId'>) {
      events.publish('instanceRemoved', instance.organisationId, { instanceId: instance.id, organisationId: instance.organisationId });
    },

    apiKeyChanged(apiKey: ApiKeyRow, change: ApiKeyChangedEvent['change']) {
      events.publish('apiKeyChanged', apiKey.organisationId, { change, apiKey });
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
