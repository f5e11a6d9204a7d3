import type { Server } from 'node:http';
import type { DocumentNode, ExecutionArgs, GraphQLError, GraphQLSchema, execute as graphqlExecute, subscribe as graphqlSubscribe } from 'graphql';
import type { Context } from '../../schema/builder.ts';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Services } from '../services/index.ts';
import { createContext } from './context.ts';
import { createSubscriptionSharing, sharingKeyOf } from './shared-subscriptions.ts';
import { GRAPHQL_PATH, type GraphQLHandler } from './graphql.ts';

type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;
// Envelop types its execute, subscribe, parse and validate loosely; these are graphql-js's.
type Execution = ReturnType<typeof graphqlExecute>;
type Subscription = ReturnType<typeof graphqlSubscribe>;
type EnvelopedArgs = ExecutionArgs & {
  envelopedExecute: Enveloped['execute'];
  envelopedSubscribe: Enveloped['subscribe'];
  /** Subscriptions with the same key compute the same results and share one execution. */
  sharingKey: string;
};

/** graphql-ws on the same port and path as HTTP, run through yoga's envelop. */
export function attachWebSocket(server: Server, yoga: GraphQLHandler, services: Services) {
  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
  const sharing = createSubscriptionSharing();
  const handle = useServer(
    {
      // The enveloped execute/subscribe travel on the args, not rootValue, which Pothos hands to root resolvers.
      execute: (args) => (args as EnvelopedArgs).envelopedExecute(args) as Execution,
      subscribe: (args) => {
        const enveloped = args as EnvelopedArgs;
        return sharing.subscribe(enveloped.sharingKey, () => enveloped.envelopedSubscribe(args) as Subscription) as Subscription;
      },
      onConnect: (ctx) => createContext(services, ctx.connectionParams?.authorization).viewer !== null,
      onSubscribe: async (ctx, _id, params) => {
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          connectionParams: ctx.connectionParams ?? {},
          params,
        });
        const contextValue = (await enveloped.contextFactory()) as Context;
        const args = {
          schema: enveloped.schema as GraphQLSchema,
          operationName: params.operationName,
          document: enveloped.parse(params.query) as DocumentNode,
          variableValues: params.variables,
          contextValue,
          envelopedExecute: enveloped.execute,
          envelopedSubscribe: enveloped.subscribe,
          sharingKey: sharingKeyOf(contextValue.viewer, params),
        };
        const errors = enveloped.validate(args.schema, args.document) as readonly GraphQLError[];
        if (errors.length) return errors;
        return args;
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
