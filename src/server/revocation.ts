import { setMaxListeners } from 'node:events';
import { isAsyncIterable, Repeater, type Plugin } from 'graphql-yoga';
import type { Context } from '../../schema/builder.ts';

/** The source's values until the signal aborts; then it ends, and so does the source. */
export function until<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    const iterator = source[Symbol.asyncIterator]();
    const end = () => stop();
    signal.addEventListener('abort', end, { once: true });
    const stopped = stop.then(() => ({ done: true, value: undefined }) as const);
    try {
      while (!signal.aborted) {
        const next = await Promise.race([iterator.next(), stopped]);
        if (next.done) break;
        await push(next.value);
      }
    } finally {
      signal.removeEventListener('abort', end);
      stop();
      await iterator.return?.();
    }
  });
}

/**
 * Ends a key's Server-Sent-Events subscriptions the moment the key is revoked. (graphql-ws
 * subscriptions end with their socket, which revocation closes: see websocket.ts.)
 */
export function revocationPlugin(revocationSignal: (keyId: string) => AbortSignal): Plugin {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as unknown as Context & { connectionParams?: unknown };
      const viewer = context.viewer;
      if (context.connectionParams !== undefined || viewer?.kind !== 'member') return;
      const signal = revocationSignal(viewer.keyId);
      // One signal per key, heard by each of its subscriptions: many are not a leak.
      setMaxListeners(0, signal);
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(until(result, signal));
        },
      };
    },
  };
}
