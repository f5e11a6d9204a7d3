import { GraphQLError } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga, useReadinessCheck, type YogaLogger } from 'graphql-yoga';
import type { Context } from '../../schema/builder.ts';
import { schema } from '../../schema/index.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { DomainError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { createContext } from './context.ts';
import { responseCachePlugin } from './response-cache.ts';
import type { EventBus } from '../events.ts';

export const GRAPHQL_PATH = '/graphql';

export function createGraphQLHandler(services: Services, database: DatabaseHandle, events: EventBus, logger: YogaLogger) {
  return createYoga<{ connectionParams?: Record<string, unknown> }, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    logging: logger,
    graphiql: { subscriptionsProtocol: 'WS', title: 'Salesforce backup API' },
    // HTTP carries the key in a header; graphql-ws in connectionParams.
    context: ({ request, connectionParams }) =>
      createContext(services, connectionParams ? connectionParams.authorization : request.headers.get('authorization')),
    maskedErrors: {
      // Domain errors thrown outside typed results (subscriptions, lists) keep their message.
      maskError: (error, message) => {
        const original = (error as { originalError?: unknown }).originalError;
        // Parse and validation errors, and errors raised on purpose (auth, bad ids), pass unchanged.
        if (original === undefined || original instanceof GraphQLError) return error as Error;
        if (original instanceof DomainError) {
          return new GraphQLError(original.message, { extensions: { code: 'BAD_USER_INPUT' } });
        }
        logger.error(original);
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    plugins: [
      // Compiled execution, per document: the dashboard's uncached query and each subscription event
      // run faster than through graphql-js's interpreter. Typed (union) results are covered by the tests.
      useGraphQlJit(),
      responseCachePlugin(events),
      useReadinessCheck({
        endpoint: '/healthz',
        check: () => {
          database.sqlite.prepare('select 1').get();
        },
      }),
    ],
  });
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;
