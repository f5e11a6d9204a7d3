import type { IncomingMessage } from 'node:http';
import type { Context } from '../../schema/builder.ts';
import type { Services } from '../services/index.ts';
import type { FailedKeyThrottle } from './failed-key-throttle.ts';
import { identifyOperation } from './request-ids.ts';

/** Accepts `Bearer <key>` or a bare key, as sent in a header or in graphql-ws connectionParams. */
export function apiKeyFrom(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const key = authorization.replace(/^Bearer\s+/i, '').trim();
  return key || undefined;
}

/** What yoga hands its plugins and its context factory, over HTTP and over graphql-ws. */
export interface ServerContext {
  request?: Request;
  /** The Node request: the HTTP request, or the WebSocket's upgrade request. */
  req?: IncomingMessage;
  connectionParams?: Record<string, unknown>;
  params?: object;
}

export const clientAddress = (req: IncomingMessage | undefined) => req?.socket.remoteAddress ?? 'unknown';

/**
 * Who is calling, looked up once per operation and shared by the query limits (which run before
 * the context exists) and the resolvers. A wrong key counts against the client's address.
 */
export function createAuthentication(services: Services, throttle: FailedKeyThrottle) {
  const byOperation = new WeakMap<object, Context>();

  function authenticate(authorization: unknown, address: string): Context {
    const key = apiKeyFrom(authorization);
    const viewer = key ? services.apiKeys.authenticate(key) : null;
    if (key && !viewer) {
      throttle.recordFailure(address);
      services.audit.record({ actor: 'anonymous', action: 'signInFailed', outcome: 'DENIED', detail: 'The API key is not recognised', clientAddress: address });
    }
    return { services, apiKeyPresented: key !== undefined, viewer, clientAddress: address };
  }

  return {
    authenticate,
    contextOf(server: ServerContext): Context {
      // HTTP: one per request (the response cache asks before the operation is parsed); graphql-ws: one per operation.
      const operation = server.request ?? server.params ?? server;
      let context = byOperation.get(operation);
      if (!context) {
        const authorization = server.connectionParams ? server.connectionParams.authorization : server.request?.headers.get('authorization');
        context = authenticate(authorization, clientAddress(server.req));
        identifyOperation(context, server.req, server.request !== undefined);
        byOperation.set(operation, context);
      }
      return context;
    },
  };
}

export type Authentication = ReturnType<typeof createAuthentication>;
