import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
import type { ExecutionResult } from 'graphql';

type Source = AsyncIterable<ExecutionResult> | ExecutionResult;

interface Group {
  consumers: Set<{ push: (value: ExecutionResult) => unknown; stop: () => void }>;
  source: Promise<Source>;
}

const isIterable = (value: Source): value is AsyncIterable<ExecutionResult> => Symbol.asyncIterator in value;

/**
 * Subscribers with the same operation, variables and API key would compute the same results:
 * they share one execution, and each event is executed once and sent to all of them.
 */
export function createSubscriptionSharing() {
  const groups = new Map<string, Group>();

  function pump(key: string, group: Group, iterable: AsyncIterable<ExecutionResult>) {
    void (async () => {
      try {
        for await (const value of iterable) for (const consumer of group.consumers) consumer.push(value);
      } finally {
        if (groups.get(key) === group) groups.delete(key);
        for (const consumer of group.consumers) consumer.stop();
      }
    })();
  }

  return {
    async subscribe(key: string, start: () => Promise<Source> | Source): Promise<Source> {
      let group = groups.get(key);
      if (!group) {
        const created: Group = { consumers: new Set(), source: Promise.resolve(start()) };
        group = created;
        groups.set(key, created);
        const source = await created.source;
        if (isIterable(source)) pump(key, created, source);
        else groups.delete(key); // an error result is each subscriber's own
      }
      const source = await group.source;
      if (!isIterable(source)) return source;
      const shared = group;
      return new Repeater<ExecutionResult>(async (push, stop) => {
        const consumer = { push, stop: () => stop() };
        shared.consumers.add(consumer);
        await stop;
        shared.consumers.delete(consumer);
        if (shared.consumers.size === 0 && groups.get(key) === shared) {
          groups.delete(key);
          await (source as AsyncIterable<ExecutionResult> & { return?: () => Promise<unknown> }).return?.();
        }
      }, new SlidingBuffer(1000));
    },
  };
}
