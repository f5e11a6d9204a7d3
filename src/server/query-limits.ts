import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ExecutionArgs,
  type ParseOptions,
  type Source,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { unauthenticated, type Context } from '../../schema/builder.ts';
import { checkCost } from './query-cost.ts';

/**
 * What one operation may ask for. Depth, aliases and directives are checked while validating
 * (graphql-armor), tokens while parsing, and the cost estimate (query-cost.ts) once the
 * variables are known: all before any resolver runs.
 */
export interface QueryLimits {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
  introspection: boolean;
}

/**
 * Tokens any document may have. One limit for everyone: yoga caches a document's parse (and its
 * parse error) by its text alone.
 */
export const MAX_TOKENS = 1500;

/** A valid key: the dashboard's largest query is estimated at about 150,000. */
export const SIGNED_IN_LIMITS: QueryLimits = { depth: 8, aliases: 15, directives: 10, cost: 200_000, introspection: true };

/** No valid key: enough to be told to sign in, nothing more. */
export const ANONYMOUS_LIMITS: QueryLimits = { depth: 3, aliases: 0, directives: 0, cost: 50, introspection: false };

/** armor's rules report through the validation context instead of throwing out of validate(). */
const report = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'QUERY_TOO_LARGE' } })),
  ],
};

/** A rule under its own name: yoga caches validation results by the names of the rules. */
const named = (name: string, rule: ValidationRule): ValidationRule => Object.defineProperty(rule, 'name', { value: name });

function rulesFor(name: string, limits: QueryLimits): ValidationRule[] {
  const rules = [
    named(`${name}Depth`, maxDepthRule({ ...report, n: limits.depth, ignoreIntrospection: false, flattenFragments: true })),
    named(`${name}Aliases`, maxAliasesRule({ ...report, n: limits.aliases })),
    named(`${name}Directives`, maxDirectivesRule({ ...report, n: limits.directives })),
  ];
  if (!limits.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

// The parser has no validation context to report to: past the limit it throws, and nothing is parsed further.
const parseWithTokenLimit = (source: string | Source, options?: ParseOptions) =>
  new MaxTokensParserWLexer(source, { ...options, n: MAX_TOKENS, exposeLimits: true }).parseDocument();

const costError = (args: ExecutionArgs, limits: QueryLimits) =>
  checkCost(args.schema, args.document, args.variableValues ?? undefined, args.operationName ?? undefined, limits.cost);

/**
 * Applies the signed-in or the anonymous limits to each operation, HTTP and graphql-ws alike;
 * an anonymous caller also gets no "Did you mean" suggestions. A key that is not recognised is
 * refused before its document is even parsed.
 */
export function queryLimitsPlugin(callerOf: (serverContext: object) => Pick<Context, 'viewer' | 'apiKeyPresented'>): Plugin {
  const isSignedIn = (context: object) => callerOf(context).viewer !== null;
  const signedIn = { limits: SIGNED_IN_LIMITS, rules: rulesFor('signedIn', SIGNED_IN_LIMITS) };
  const anonymous = { limits: ANONYMOUS_LIMITS, rules: rulesFor('anonymous', ANONYMOUS_LIMITS) };
  const hideSuggestions = blockFieldSuggestionsPlugin().onValidate!;
  const limitsOf = (context: object) => (isSignedIn(context) ? signedIn : anonymous);
  return {
    onParse({ context, setParseFn }) {
      if (callerOf(context).apiKeyPresented && !isSignedIn(context)) throw unauthenticated('The API key is not recognised');
      setParseFn(parseWithTokenLimit);
    },
    onValidate(payload) {
      const chosen = limitsOf(payload.context);
      for (const rule of chosen.rules) payload.addValidationRule(rule);
      if (chosen === anonymous) return hideSuggestions(payload);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = costError(args, limitsOf(args.contextValue).limits);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = costError(args, limitsOf(args.contextValue).limits);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
