import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/*
 * Request ids travel with the request, its operation's context and its errors, not in an
 * AsyncLocalStorage: that turns on promise hooks for every promise of the process, a measurable
 * share of each uncached dashboard request.
 */
const byHttpRequest = new WeakMap<IncomingMessage, string>();
const byError = new WeakMap<object, string>();
// On the context as a property, since yoga copies the context's properties into its own object.
const REQUEST_ID = Symbol('requestId');
type Identified = { [REQUEST_ID]?: string };
const idOfContext = (context: unknown) => (context as Identified | undefined)?.[REQUEST_ID];

/** A fresh id for an HTTP request, which its `X-Request-Id` header, masked errors and logs carry. */
export function assignRequestId(req: IncomingMessage): string {
  const id = randomUUID();
  byHttpRequest.set(req, id);
  return id;
}

/** An operation's context takes its HTTP request's id; each graphql-ws operation gets one of its own. */
export function identifyOperation(context: object, req: IncomingMessage | undefined, overHttp: boolean) {
  (context as Identified)[REQUEST_ID] = (overHttp && req && byHttpRequest.get(req)) || randomUUID();
}

/**
 * The id an error is shown and logged with: its operation's, or, for an error raised before any
 * operation had a context, one of its own (the same for its message and its log line).
 */
export function requestIdOf(error: object): string {
  let id = byError.get(error);
  if (!id) byError.set(error, (id = randomUUID()));
  return id;
}

function tagErrors(result: ExecutionResult, id: string | undefined) {
  if (!id || !result.errors) return;
  for (const error of result.errors) {
    byError.set(error, id);
    if (error.originalError) byError.set(error.originalError, id);
  }
}

/** Before yoga masks an operation's errors (its plugin runs after this one), each is tagged with the operation's id. */
export function requestIdPlugin(): Plugin {
  const tagEach = (result: unknown, id: string | undefined) => {
    if (result && typeof result === 'object' && !(Symbol.asyncIterator in result)) {
      tagErrors(result, id);
      return undefined;
    }
    return { onNext: ({ result: next }: { result: ExecutionResult }) => tagErrors(next, id) };
  };
  return {
    onExecute: ({ args }) => ({ onExecuteDone: ({ result }) => tagEach(result, idOfContext(args.contextValue)) }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result }) => tagEach(result, idOfContext(args.contextValue)),
    }),
  };
}
