import { GraphQLError } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga, type YogaLogger } from 'graphql-yoga';
import type { Context } from '../../schema/builder.ts';
import { schema } from '../../schema/index.ts';
import type { Config } from '../config.ts';
import { DomainError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { anonymousDenialsPlugin } from './anonymous-denials.ts';
import { bodySizePlugin } from './body-size.ts';
import type { CompileBudget } from './compile-budget.ts';
import type { Authentication, ServerContext } from './context.ts';
import type { FailedKeyThrottle } from './failed-key-throttle.ts';
import { requestErrorLogger } from './error-logging.ts';
import { eventStreamLimitsPlugin } from './event-stream-limits.ts';
import { jsonBodyPlugin } from './json-body.ts';
import { queryLimitsPlugin } from './query-limits.ts';
import { requestIdOf, requestIdPlugin } from './request-ids.ts';
import { responseCachePlugin, type ResponseCache } from './response-cache.ts';
import { revocationPlugin } from './revocation.ts';
import type { Services } from '../services/index.ts';

export const GRAPHQL_PATH = '/graphql';

/** Larger than any legitimate request (a restore of tens of thousands of record ids). */
export const MAX_REQUEST_BYTES = 4_000_000;

interface Dependencies {
  config: Config;
  services: Services;
  events: EventBus;
  authentication: Authentication;
  responseCache: ResponseCache;
  anonymousDenials: FailedKeyThrottle;
  compiles: CompileBudget;
  logger: YogaLogger;
}

export function createGraphQLHandler({ config, services, authentication, responseCache, anonymousDenials, compiles, logger }: Dependencies) {
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    logging: requestErrorLogger(logger),
    graphiql: false,
    // Enforced by bodySizePlugin, which spares a body of declared length yoga's counting stream.
    maxRequestBodySize: false,
    // Keys travel in a header, never in cookies: only the service's own pages may call it from a browser.
    cors: () => ({ origin: new URL(config.publicUrl!).origin, credentials: false }),
    context: (server) => authentication.contextOf(server),
    maskedErrors: {
      // Domain errors thrown outside typed results (subscriptions, lists) keep their message.
      maskError: (error, message) => {
        const original = (error as { originalError?: unknown }).originalError;
        // yoga attaches the JSON parser's own words to a bad body: the caller gets the sentence only.
        if (error instanceof GraphQLError && error.extensions?.originalError) {
          const { originalError: _, ...extensions } = error.extensions;
          return new GraphQLError(error.message, { extensions });
        }
        // Parse and validation errors, and errors raised on purpose (auth, bad ids), pass unchanged.
        if (original === undefined || original instanceof GraphQLError) return error as Error;
        if (original instanceof DomainError) {
          return new GraphQLError(original.message, { extensions: { code: 'BAD_USER_INPUT' } });
        }
        // Logged with this id by requestErrorLogger, as yoga reports every error it masks.
        const requestId = requestIdOf(error as object);
        return new GraphQLError(`${message} (request ${requestId})`, { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } });
      },
    },
    plugins: [
      authentication.plugin,
      jsonBodyPlugin(),
      requestIdPlugin(),
      queryLimitsPlugin((server) => authentication.knownContextOf(server)),
      anonymousDenialsPlugin(anonymousDenials),
      // Compiled execution, per document: the dashboard's uncached query and each subscription event
      // run faster than through graphql-js's interpreter. Typed (union) results are covered by the tests.
      // Only documents that run again are compiled, within a budget (compile-budget.ts).
      useGraphQlJit({}, { enableIf: compiles.enableIf }),
      responseCachePlugin(responseCache, (request, server) => authentication.knownContextOf({ ...server, request }).viewer),
      revocationPlugin(services.apiKeys.revocationSignal),
      eventStreamLimitsPlugin(),
      // After every request parser, so it limits whichever one was chosen.
      bodySizePlugin(MAX_REQUEST_BYTES),
    ],
  });
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;
