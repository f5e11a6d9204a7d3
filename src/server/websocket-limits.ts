import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';

/** Operations one graphql-ws connection may have open at once (the dashboard uses four). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;
/** Largest message a client may send (a subscribe with its query and variables). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Bytes of events a socket may leave unread before it is told it is too slow and closed. */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** How long a slow socket gets to take its close frame before it is cut. */
const CLOSE_GRACE_MS = 5000;

export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_REVOKED = 4403;

/** Closes with a code and reason, and cuts the socket if the other side does not answer in time. */
export function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState >= socket.CLOSING) return;
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}

/**
 * graphql-ws waits for each message to reach the kernel before it takes the next event, so a
 * reader that stalls would leave its backlog as results in queues only counted in events. Sent
 * without waiting, the backlog sits in the socket's buffer, counted in bytes: past the limit the
 * socket is told why and closed.
 */
export function boundUnreadBytes(socket: WebSocket, limit = MAX_UNREAD_BYTES): void {
  const send = socket.send.bind(socket) as (data: unknown) => void;
  socket.send = ((data: unknown, callback?: (error?: Error) => void) => {
    if (socket.readyState !== socket.OPEN) return callback?.();
    send(data);
    callback?.();
    if (socket.bufferedAmount > limit) {
      closeSocket(socket, CLOSE_SLOW_CONSUMER, `Too slow: more than ${limit} bytes of events unread`);
    }
  }) as WebSocket['send'];
}

/**
 * Browsers always send Origin, and may be made to connect by any page they visit: only the
 * service's own origin is let in. Clients that are not browsers send none.
 */
export function originAllowed(request: IncomingMessage, publicOrigin: string): boolean {
  const origin = request.headers.origin;
  return origin === undefined || origin === publicOrigin;
}
