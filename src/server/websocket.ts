import type { Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type execute as graphqlExecute, type subscribe as graphqlSubscribe } from 'graphql';
import type { Context } from '../../schema/builder.ts';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config.ts';
import type { Services } from '../services/index.ts';
import { clientAddress, type Authentication } from './context.ts';
import type { FailedKeyThrottle } from './failed-key-throttle.ts';
import { documentDependsOnRole } from './role-dependence.ts';
import { createSubscriptionSharing, sharingKeyOf, type Deliver } from './shared-subscriptions.ts';
import { GRAPHQL_PATH, type GraphQLHandler } from './graphql.ts';
import {
  boundUnreadBytes,
  CLOSE_REVOKED,
  closeSocket,
  MAX_MESSAGE_BYTES,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  originAllowed,
} from './websocket-limits.ts';

type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;
// Envelop types its execute, subscribe, parse and validate loosely; these are graphql-js's.
type Execution = ReturnType<typeof graphqlExecute>;
type Subscription = ReturnType<typeof graphqlSubscribe>;
type EnvelopedArgs = ExecutionArgs & {
  envelopedExecute: Enveloped['execute'];
  envelopedSubscribe: Enveloped['subscribe'];
  /** Subscriptions with the same key compute the same results and share one execution. */
  sharingKey: string;
  /** Writes a shared result to this subscriber's socket as a graphql-ws `next` message. */
  deliver: Deliver;
};

interface Dependencies {
  config: Config;
  services: Services;
  authentication: Authentication;
  throttle: FailedKeyThrottle;
}

/** graphql-ws's `next` message around a payload already serialised, as graphql-ws would send it. */
function nextMessageSender(socket: WebSocket, id: string): Deliver {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return (payloadJson) => socket.send(`${head}${payloadJson}}`);
}

// setTimeout takes at most 2^31 - 1 ms; a key expiring later is checked again on reconnect.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** graphql-ws on the same port and path as HTTP, run through yoga's envelop. */
export function attachWebSocket(server: Server, yoga: GraphQLHandler, { config, services, authentication, throttle }: Dependencies) {
  const wsServer = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    // A subscribe message is a few kilobytes; ws would accept 100 MiB.
    maxPayload: MAX_MESSAGE_BYTES,
    verifyClient: ({ req }, answer) => {
      if (!originAllowed(req, new URL(config.publicUrl!).origin)) return answer(false, 403, 'Origin not allowed');
      const retryAfter = throttle.retryAfter(clientAddress(req));
      if (retryAfter !== undefined) return answer(false, 429, 'Too many wrong API keys', { 'retry-after': String(retryAfter) });
      answer(true);
    },
  });
  wsServer.on('connection', (socket) => boundUnreadBytes(socket));

  // Sockets by API key, so revoking a key closes its sockets at once.
  const socketsByKey = new Map<string, Set<WebSocket>>();
  services.apiKeys.onRevoked((keyId) => {
    for (const socket of socketsByKey.get(keyId) ?? []) closeSocket(socket, CLOSE_REVOKED, 'The API key was revoked');
  });
  function track(socket: WebSocket, keyId: string, expiresAt: Date | null) {
    let sockets = socketsByKey.get(keyId);
    if (!sockets) socketsByKey.set(keyId, (sockets = new Set()));
    sockets.add(socket);
    const lifetime = expiresAt ? expiresAt.getTime() - Date.now() : undefined;
    const expiry = lifetime !== undefined && lifetime < MAX_TIMER_MS ? setTimeout(() => closeSocket(socket, CLOSE_REVOKED, 'The API key expired'), lifetime) : undefined;
    socket.once('close', () => {
      clearTimeout(expiry);
      sockets.delete(socket);
      if (sockets.size === 0 && socketsByKey.get(keyId) === sockets) socketsByKey.delete(keyId);
    });
  }

  const sharing = createSubscriptionSharing();
  const handle = useServer(
    {
      // No internal message ever goes into a close reason.
      isProd: true,
      // The enveloped execute/subscribe travel on the args, not rootValue, which Pothos hands to root resolvers.
      execute: (args) => (args as EnvelopedArgs).envelopedExecute(args) as Execution,
      subscribe: (args) => {
        const enveloped = args as EnvelopedArgs;
        return sharing.subscribe(enveloped.sharingKey, () => enveloped.envelopedSubscribe(args) as Subscription, enveloped.deliver) as Subscription;
      },
      onConnect: async (ctx) => {
        const { viewer } = await authentication.authenticate(ctx.connectionParams?.authorization, clientAddress(ctx.extra.request));
        if (viewer?.kind === 'member') track(ctx.extra.socket, viewer.keyId, viewer.expiresAt);
        return viewer !== null;
      },
      onSubscribe: async (ctx, id, params) => {
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} operations may be open on one connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        const serverContext = { ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, connectionParams: ctx.connectionParams ?? {}, params };
        // The query limits ask who is calling as the document is parsed.
        await authentication.contextOf(serverContext);
        const enveloped = yoga.getEnveloped(serverContext);
        const schema = enveloped.schema as GraphQLSchema;
        let document: DocumentNode;
        try {
          document = enveloped.parse(params.query) as DocumentNode;
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        // Refused before anything is looked up when the operation is too costly.
        const errors = enveloped.validate(schema, document) as readonly GraphQLError[];
        if (errors.length) return errors;
        const contextValue = (await enveloped.contextFactory()) as Context;
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          envelopedExecute: enveloped.execute,
          envelopedSubscribe: enveloped.subscribe,
          sharingKey: sharingKeyOf(contextValue.viewer, params, documentDependsOnRole(schema, document)),
          deliver: nextMessageSender(ctx.extra.socket, id),
        };
      },
    },
    wsServer,
  );
  return {
    close: async () => {
      await handle.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
