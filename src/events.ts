import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import { SlidingBuffer } from '@repeaterjs/repeater';
import type { InstanceRow, JobRow } from '../db/schema.ts';
import type { TokenExhaustionReason } from './errors.ts';

export interface TokenExhaustedEvent {
  instance: InstanceRow;
  message: string;
  reason: TokenExhaustionReason;
  occurredAt: Date;
}

export interface ReauthCompletedEvent {
  instance: InstanceRow;
  occurredAt: Date;
}

/** Every topic is keyed by organisation, so a subscriber can only ever be routed its own events. */
export type Topics = {
  instanceUpdated: [organisationId: string, payload: InstanceRow];
  tokenExhausted: [organisationId: string, payload: TokenExhaustedEvent];
  reauthCompleted: [organisationId: string, payload: ReauthCompletedEvent];
  jobUpdated: [organisationId: string, payload: JobRow];
};

export type EventBus = ReturnType<typeof createEventBus>;

export function createEventBus() {
  const eventTarget = new EventTarget();
  // A dashboard fleet is many listeners on one organisation's topic, not a leak.
  setMaxListeners(0, eventTarget);
  return createPubSub<Topics>({
    eventTarget: eventTarget as never,
    // A slow subscriber drops its oldest queued events instead of overflowing the repeater.
    repeaterBuffer: new SlidingBuffer(1000),
  });
}
