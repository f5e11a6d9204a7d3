import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import { SlidingBuffer } from '@repeaterjs/repeater';
import type { InstanceRow, JobRow, OrganisationRow } from '../db/schema.ts';
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
  organisationCreated: [organisationId: string, payload: OrganisationRow];
  instanceUpdated: [organisationId: string, payload: InstanceRow];
  tokenExhausted: [organisationId: string, payload: TokenExhaustedEvent];
  reauthCompleted: [organisationId: string, payload: ReauthCompletedEvent];
  jobUpdated: [organisationId: string, payload: JobRow];
};

type TopicName = keyof Topics;
export type PublishedEvent = { [T in TopicName]: { topic: T; payload: Topics[T][1] } }[TopicName];

export type EventBus = ReturnType<typeof createEventBus>;

/**
 * Typed pub/sub for subscriptions, plus observers of every event (the response cache drops what
 * an event makes stale).
 */
export function createEventBus() {
  const eventTarget = new EventTarget();
  // A dashboard fleet is many listeners on one organisation's topic, not a leak.
  setMaxListeners(0, eventTarget);
  const pubSub = createPubSub<Topics>({
    eventTarget: eventTarget,
    // A slow subscriber drops its oldest queued events instead of overflowing the repeater.
    repeaterBuffer: new SlidingBuffer(1000),
  });
  const observers = new Set<(event: PublishedEvent) => void>();
  return {
    subscribe: pubSub.subscribe.bind(pubSub),
    publish<T extends TopicName>(topic: T, organisationId: string, payload: Topics[T][1]) {
      for (const observe of observers) observe({ topic, payload } as PublishedEvent);
      (pubSub.publish as (topic: T, id: string, payload: Topics[T][1]) => void)(topic, organisationId, payload);
    },
    observe(observer: (event: PublishedEvent) => void) {
      observers.add(observer);
    },
  };
}
