import type { ExecutionResult } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { Viewer } from '../services/viewer.ts';

type Source = AsyncIterable<ExecutionResult> | ExecutionResult;

/** Sends one result, given as the JSON of graphql-ws's `next` payload, to one subscriber. */
export type Deliver = (payloadJson: string) => void;

interface Subscriber {
  deliver: Deliver;
  end(): void;
}

interface Group {
  subscribers: Set<Subscriber>;
  source: Promise<Source>;
  ended: boolean;
}

/**
 * What a subscription's results depend on: the operation, its variables, and whose they are. The
 * keys of one organisation see the same events, and with one role the same fields, so they share
 * an execution; when nothing the operation selects is authorised by role or shows it
 * (`dependsOnRole`), the keys of every role share it.
 */
export function sharingKeyOf(viewer: Viewer | null, params: SubscribePayload, dependsOnRole: boolean): string {
  const audience = viewer === null ? null : viewer.kind === 'operator' ? 'operator' : dependsOnRole ? [viewer.organisationId, viewer.role] : [viewer.organisationId];
  return JSON.stringify([audience, params.query, params.operationName ?? null, params.variables ?? null]);
}

/** graphql-ws's `next` payload: the result, with its errors as JSON when there are any. */
function payloadJson({ errors, ...result }: ExecutionResult): string {
  return JSON.stringify(errors ? { ...result, errors: errors.map((error) => error.toJSON()) } : result);
}

const isIterable = (value: Source): value is AsyncIterable<ExecutionResult> => Symbol.asyncIterator in value;

/**
 * One subscriber's side of a shared execution, as graphql-ws reads it: it yields nothing (results
 * go straight to the socket) and ends when the execution ends or graphql-ws returns it.
 */
function subscriberIterator(onReturn: () => void) {
  let finish: ((result: IteratorResult<never, undefined>) => void) | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    finish?.({ value: undefined, done: true });
  };
  const iterator: AsyncIterableIterator<never, undefined> = {
    next: () => (ended ? Promise.resolve({ value: undefined, done: true }) : new Promise((resolve) => (finish = resolve))),
    return() {
      end();
      onReturn();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, end };
}

/**
 * Subscribers with the same sharing key would compute the same results: they share one execution,
 * each event is executed and serialised once, and the same JSON is written to every subscriber's
 * socket. graphql-ws would stringify and validate the message once per subscriber (most of the
 * time a thousand dashboards took to hear an event). A socket that leaves too many bytes unread is
 * closed (websocket-limits.ts); the shared execution keeps its bus buffer of events.
 */
export function createSubscriptionSharing() {
  const groups = new Map<string, Group>();

  function pump(key: string, group: Group, iterable: AsyncIterable<ExecutionResult>) {
    void (async () => {
      try {
        for await (const result of iterable) {
          const json = payloadJson(result);
          for (const subscriber of group.subscribers) subscriber.deliver(json);
        }
      } finally {
        group.ended = true;
        if (groups.get(key) === group) groups.delete(key);
        for (const subscriber of group.subscribers) subscriber.end();
      }
    })();
  }

  return {
    async subscribe(key: string, start: () => Promise<Source> | Source, deliver: Deliver): Promise<Source> {
      let group = groups.get(key);
      if (!group) {
        const created: Group = { subscribers: new Set(), source: Promise.resolve(start()), ended: false };
        group = created;
        groups.set(key, created);
        const source = await created.source;
        if (isIterable(source)) pump(key, created, source);
        else groups.delete(key); // an error result is each subscriber's own
      }
      const source = await group.source;
      if (!isIterable(source)) return source;
      const shared = group;
      const { iterator, end } = subscriberIterator(() => {
        shared.subscribers.delete(subscriber);
        // The last one out stops the shared execution.
        if (shared.subscribers.size === 0 && groups.get(key) === shared) {
          groups.delete(key);
          void (source as AsyncIterable<ExecutionResult> & { return?: () => Promise<unknown> }).return?.();
        }
      });
      const subscriber: Subscriber = { deliver, end };
      // Joined while the execution ended: nothing more will come.
      if (shared.ended) end();
      else shared.subscribers.add(subscriber);
      return iterator;
    },
  };
}
