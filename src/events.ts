import { setMaxListeners } from 'node:events';
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
import type { ApiKeyRow, DataAlertRow, InstanceRow, JobRow } from '../db/schema.ts';
import type { TokenExhaustionReason } from './errors.ts';

export interface TokenExhaustedEvent {
  instance: InstanceRow;
  message: string;
  reason: TokenExhaustionReason;
  occurredAt: Date;
}

/** An instance has few tokens left (`TOKEN_WARNING_AT`): reauthenticate before they run out. */
export interface TokensLowEvent {
  instance: InstanceRow;
  tokensRemaining: number;
  occurredAt: Date;
}

export interface ReauthCompletedEvent {
  instance: InstanceRow;
  occurredAt: Date;
}

export type Change = 'CREATED' | 'UPDATED' | 'DELETED';

export interface OrganisationChangedEvent {
  change: Change;
  organisationId: string;
}

export interface InstanceRemovedEvent {
  instanceId: string;
  organisationId: string;
}

export interface ApiKeyChangedEvent {
  change: Extract<Change, 'CREATED' | 'UPDATED'>;
  apiKey: ApiKeyRow;
}

/**
 * Every topic is keyed by organisation, so a subscriber can only ever be routed its own events.
 * Organisation changes also go to OPERATOR_CHANNEL, where the operator key follows them all.
 */
export type Topics = {
  organisationChanged: [organisationId: string, payload: OrganisationChangedEvent];
  instanceUpdated: [organisationId: string, payload: InstanceRow];
  instanceRemoved: [organisationId: string, payload: InstanceRemovedEvent];
  tokenExhausted: [organisationId: string, payload: TokenExhaustedEvent];
  reauthCompleted: [organisationId: string, payload: ReauthCompletedEvent];
  jobUpdated: [organisationId: string, payload: JobRow];
  apiKeyChanged: [organisationId: string, payload: ApiKeyChangedEvent];
  tokensLow: [organisationId: string, payload: TokensLowEvent];
  /** Retention removed snapshots: answers holding them are stale. */
  snapshotsPruned: [organisationId: string, payload: { instance: InstanceRow; snapshotIds: string[] }];
  dataAlert: [organisationId: string, payload: DataAlertRow];
};

/** The key under which the operator key hears every organisation's changes; no organisation has it as id. */
export const OPERATOR_CHANNEL = '*';

type TopicName = keyof Topics;
export type PublishedEvent = { [T in TopicName]: { topic: T; payload: Topics[T][1] } }[TopicName];

export type EventBus = ReturnType<typeof createEventBus>;

/** Events a subscriber may fall behind by before it loses the oldest. */
export const SUBSCRIBER_EVENT_BUFFER = 1000;

/** An event as it travels between the service's processes. */
export interface RelayedEvent {
  topic: TopicName;
  organisationId: string;
  payload: unknown;
}

/** Carries events to the service's other processes and back (Redis pub/sub: `redis-relay.ts`). */
export interface EventRelay {
  send(event: RelayedEvent): void;
  /** Events other processes published; never this process's own. */
  onReceive(handler: (event: RelayedEvent) => void): void;
  /** Whether events reach the other processes now. */
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Typed pub/sub for subscriptions, plus observers of every event (the response cache drops what
 * an event makes stale). With a relay, what other processes publish happens here too, and what
 * this one publishes happens there.
 */
export function createEventBus() {
  let relay: EventRelay | undefined;
  const eventTarget = new EventTarget();
  // A dashboard fleet is many listeners on one organisation's topic, not a leak.
  setMaxListeners(0, eventTarget);
  const observers = new Set<(event: PublishedEvent, fromElsewhere: boolean) => void>();
  let subscribers = 0;
  const undelivered: CustomEvent[] = [];
  const deliver = () => {
    for (const event of undelivered.splice(0)) eventTarget.dispatchEvent(event);
  };
  function happen(topic: TopicName, organisationId: string, payload: unknown, fromElsewhere: boolean) {
    for (const observe of observers) observe({ topic, payload } as PublishedEvent, fromElsewhere);
    if (undelivered.length === 0) setImmediate(deliver);
    undelivered.push(new CustomEvent(`${topic}:${organisationId}`, { detail: payload }));
  }
  return {
    /**
     * Each subscriber gets a buffer of its own. (yoga's createPubSub takes one buffer instance for
     * every subscription: subscribers then took each other's events, and a slow one lost them.)
     * Events `keep` refuses never enter the buffer (a filter downstream cost a second repeater).
     * A `keep` that answers later holds back the events after it, so they stay in order.
     */
    subscribe<T extends TopicName>(topic: T, organisationId: string, keep: (payload: Topics[T][1]) => boolean | Promise<boolean> = () => true): AsyncIterable<Topics[T][1]> {
      const type = `${topic}:${organisationId}`;
      return new Repeater<Topics[T][1]>((push, stop) => {
        let undecided = 0;
        let decided: Promise<unknown> = Promise.resolve();
        const listener = (event: Event) => {
          const payload = (event as CustomEvent<Topics[T][1]>).detail;
          const kept = keep(payload);
          if (typeof kept === 'boolean' && undecided === 0) {
            if (kept) void push(payload);
            return;
          }
          undecided += 1;
          // A check that fails keeps the event: reading it then reports what went wrong.
          const answer = Promise.resolve(kept).catch(() => true);
          decided = decided
            .then(() => answer)
            .then((yes) => void (yes && push(payload)))
            .finally(() => (undecided -= 1));
        };
        eventTarget.addEventListener(type, listener);
        subscribers += 1;
        void stop.then(() => {
          eventTarget.removeEventListener(type, listener);
          subscribers -= 1;
        });
      }, new SlidingBuffer(SUBSCRIBER_EVENT_BUFFER));
    },
    /**
     * Observers (the response cache) see the event at once; subscribers once the current task is
     * done, so executing it for every subscriber never delays the response of the mutation that
     * caused it. Subscribers still get events in the order they were published.
     */
    publish<T extends TopicName>(topic: T, organisationId: string, payload: Topics[T][1]) {
      happen(topic, organisationId, payload, false);
      relay?.send({ topic, organisationId, payload });
    },
    /** `fromElsewhere`: another of the service's processes published it (through the relay). */
    observe(observer: (event: PublishedEvent, fromElsewhere: boolean) => void) {
      observers.add(observer);
    },
    /** Subscriptions listening now. */
    subscriberCount: () => subscribers,
    /** From now on, events also go to and come from the service's other processes. */
    relayThrough(to: EventRelay) {
      relay = to;
      relay.onReceive(({ topic, organisationId, payload }) => happen(topic, organisationId, payload, true));
    },
    close: async () => relay?.close(),
    /** Undefined without a relay (events stay in this process). */
    relayState: (): 'ok' | 'unreachable' | undefined => (relay ? (relay.connected() ? 'ok' : 'unreachable') : undefined),
  };
}
