import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { DomainError } from '../errors.ts';
import { requestIdOf } from './request-ids.ts';

/** What caused an error yoga reports: the thrown error under GraphQL's wrapping. */
function causeOf(error: unknown): unknown {
  let cause = error;
  while (cause instanceof GraphQLError && cause.originalError && cause.originalError !== cause) cause = cause.originalError;
  return cause;
}

/** A client's mistake (a refused argument, a missing id, a bad body), not the server failing. */
function isClientError(error: unknown): boolean {
  const cause = causeOf(error);
  return cause instanceof DomainError || cause instanceof GraphQLError;
}

/**
 * The logger yoga reports request errors to. It logs every error it masks at `error`, with its
 * stack, clients' mistakes included: those go to `debug` as one line instead, and a server failure
 * is logged once, at `error`, with the request id its caller was shown.
 */
export function requestErrorLogger(logger: YogaLogger): YogaLogger {
  const logged = new WeakSet<object>();
  return {
    ...logger,
    error: (...args: unknown[]) => {
      const [error] = args;
      if (args.length !== 1 || !(error instanceof Error)) return logger.error(...args);
      if (logged.has(error)) return;
      logged.add(error);
      if (isClientError(error)) return logger.debug(`Refused a request: ${error.message}`);
      logger.error(`Request ${requestIdOf(error)} failed:`, causeOf(error));
    },
  };
}
