import type { ServerResponse } from 'node:http';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { until } from './revocation.ts';
import { MAX_UNREAD_BYTES } from './websocket-limits.ts';

/**
 * How long a slow reader gets to take its backlog and last event before its connection is cut:
 * 1 MB at 50 KB/s. Until then it holds what it left unread, bounded.
 */
const CLOSE_GRACE_MS = 20_000;

const EVENT_START = Buffer.from('event:');
const startsEvent = (chunk: unknown) => chunk instanceof Uint8Array && Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).subarray(0, EVENT_START.length).equals(EVENT_START);

/** The last event a reader that fell behind gets: why, then the end of the stream. */
export const slowReaderEvents = (limit: number) =>
  `event: next\ndata: ${JSON.stringify({ errors: [{ message: `Too slow: more than ${limit} bytes of events unread`, extensions: { code: 'SLOW_CONSUMER' } }] })}\n\nevent: complete\ndata:\n\n`;

/**
 * Bounds what a Server-Sent-Events subscription may leave unread, in bytes, as graphql-ws sockets
 * are (websocket-limits.ts). Events are written without waiting for the reader, so a backlog sits
 * in the connection's buffer, where it is counted; before the next event, a reader more than
 * `limit` bytes behind is sent an error event saying why and the end of the stream, and its
 * subscription ends. A reader that has not taken them within CLOSE_GRACE_MS is cut off. A reader
 * that goes away ends its subscription at once too.
 */
export function boundUnreadEventBytes(res: ServerResponse, limit = MAX_UNREAD_BYTES): AbortSignal {
  const ended = new AbortController();
  const write = res.write.bind(res) as (chunk: unknown) => boolean;
  let eventStream: boolean | undefined;
  res.write = ((chunk: unknown) => {
    // Headers are set by the first write. Other streamed answers (multipart) keep waiting for the reader.
    eventStream ??= String(res.getHeader('content-type')).startsWith('text/event-stream');
    if (!eventStream) return write(chunk);
    if (ended.signal.aborted || res.writableEnded) return true;
    if (startsEvent(chunk) && res.writableLength > limit) {
      ended.abort();
      res.end(slowReaderEvents(limit));
      const cut = setTimeout(() => res.destroy(), CLOSE_GRACE_MS).unref();
      res.once('finish', () => clearTimeout(cut));
      return true;
    }
    write(chunk);
    return true;
  }) as ServerResponse['write'];
  res.once('close', () => ended.abort());
  return ended.signal;
}

/** Applies the bound to every subscription served over HTTP (Server-Sent Events). */
export function eventStreamLimitsPlugin(limit = MAX_UNREAD_BYTES): Plugin {
  return {
    onSubscribe({ args }) {
      const { res } = args.contextValue as { res?: ServerResponse };
      if (!res) return;
      const signal = boundUnreadEventBytes(res, limit);
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(until(result, signal));
        },
      };
    },
  };
}
