import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
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
 * Who is calling, looked up once per operation and shared by the query limits and the response
 * cache (which run before the context exists) and the resolvers. A wrong key counts against the
 * client's address.
 */
export function createAuthentication(services: Services, throttle: FailedKeyThrottle) {
  const byOperation = new WeakMap<object, Promise<Context>>();
  const settled = new WeakMap<object, Context>();
  // HTTP: one per request (the response cache asks before the operation is parsed); graphql-ws: one per operation.
  const operationOf = (server: ServerContext): object => server.request ?? server.params ?? server;

  async function authenticate(authorization: unknown, address: string): Promise<Context> {
    const key = apiKeyFrom(authorization);
    const viewer = key ? await services.apiKeys.authenticate(key) : null;
    if (key && !viewer) {
      throttle.recordFailure(address);
      await services.audit.record({ actor: 'anonymous', action: 'signInFailed', outcome: 'DENIED', detail: 'The API key is not recognised', clientAddress: address });
    }
    return { services, apiKeyPresented: key !== undefined, viewer, clientAddress: address };
  }

  /** The operation's context, looked up on its first call; yoga's context factory. */
  function contextOf(server: ServerContext): Promise<Context> {
    const operation = operationOf(server);
    let context = byOperation.get(operation);
    if (!context) {
      const authorization = server.connectionParams ? server.connectionParams.authorization : server.request?.headers.get('authorization');
      context = authenticate(authorization, clientAddress(server.req)).then((made) => {
        identifyOperation(made, server.req, server.request !== undefined);
        settled.set(operation, made);
        return made;
      });
      byOperation.set(operation, context);
    }
    return context;
  }

  return {
    authenticate,
    contextOf,
    /**
     * The operation's context for the hooks that need it synchronously, before yoga makes it:
     * `plugin` (HTTP) and the WebSocket's onSubscribe (graphql-ws) await `contextOf` first.
     */
    knownContextOf(server: ServerContext): Context {
      const context = settled.get(operationOf(server));
      if (!context) throw new Error('The operation was not authenticated before its context was asked for');
      return context;
    },
    /** Looks the caller up as an HTTP request arrives, before any other plugin asks who it is. */
    plugin: {
      onRequest: ({ request, serverContext }) => contextOf({ ...(serverContext as ServerContext), request }).then(() => undefined),
    } satisfies Plugin,
  };
}

export type Authentication = ReturnType<typeof createAuthentication>;
