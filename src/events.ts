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
  // A slow subscriber drops its oldest queued events instead of overflowing the repeater.
  return createPubSub<Topics>({ repeaterBuffer: new SlidingBuffer(1000) });
}
