import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Services } from '../services/index.ts';
import { createContext } from './context.ts';
import { createSubscriptionSharing, sharingKeyOf } from './shared-subscriptions.ts';
import { GRAPHQL_PATH, type GraphQLHandler } from './graphql.ts';

type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;
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
      execute: (args) => (args as EnvelopedArgs).envelopedExecute(args),
      subscribe: (args) => {
        const enveloped = args as EnvelopedArgs;
        return sharing.subscribe(enveloped.sharingKey, () => enveloped.envelopedSubscribe(args)) as ReturnType<Enveloped['subscribe']>;
      },
      onConnect: (ctx) => createContext(services, ctx.connectionParams?.authorization).viewer !== null,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          connectionParams: ctx.connectionParams ?? {},
          params,
        });
        const contextValue = await contextFactory();
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue,
          envelopedExecute: execute,
          envelopedSubscribe: subscribe,
          sharingKey: sharingKeyOf(contextValue.viewer, params),
        };
        const errors = validate(args.schema, args.document);
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
