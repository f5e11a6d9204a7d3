import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { NoSchemaIntrospectionCustomRule, type ParseOptions, type Source, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * What one operation may ask for, checked while parsing and validating, before anything runs.
 * The cost is graphql-armor's estimate: 1 per scalar, 2 per object, each level's selections
 * weighing 1.5 times more, a list multiplied by its literal `first` (pages are capped at 100).
 */
export interface QueryLimits {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
  introspection: boolean;
}

/**
 * Tokens any document may have, checked while parsing. One limit for everyone: yoga caches a
 * document's parse (and its parse error) by its text alone.
 */
export const MAX_TOKENS = 1500;

/** A signed-in key: the dashboard's largest query costs about a fifth of this (see the README). */
export const SIGNED_IN_LIMITS: QueryLimits = { depth: 10, aliases: 15, directives: 10, cost: 20_000, introspection: true };

/** No valid key: enough to ask who one is and be told to sign in, nothing more. */
export const ANONYMOUS_LIMITS: QueryLimits = { depth: 3, aliases: 0, directives: 0, cost: 20, introspection: false };

/** A rule under its own name: yoga caches validation results by the names of the rules. */
const named = (name: string, rule: ValidationRule): ValidationRule => Object.defineProperty(rule, 'name', { value: name });

function rulesFor(name: string, limits: QueryLimits): ValidationRule[] {
  const common = { exposeLimits: true };
  const rules = [
    named(`${name}Depth`, maxDepthRule({ ...common, n: limits.depth, ignoreIntrospection: false, flattenFragments: true })),
    named(`${name}Aliases`, maxAliasesRule({ ...common, n: limits.aliases })),
    named(`${name}Directives`, maxDirectivesRule({ ...common, n: limits.directives })),
    named(`${name}Cost`, costLimitRule({ ...common, maxCost: limits.cost, ignoreIntrospection: false, flattenFragments: true })),
  ];
  if (!limits.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

const parseWithTokenLimit = (source: string | Source, options?: ParseOptions) =>
  new MaxTokensParserWLexer(source, { ...options, n: MAX_TOKENS, exposeLimits: true }).parseDocument();

/**
 * Applies the signed-in or the anonymous limits to each operation, HTTP and graphql-ws alike;
 * an anonymous caller also gets no "Did you mean" suggestions.
 */
export function queryLimitsPlugin(isSignedIn: (serverContext: object) => boolean): Plugin {
  const signedIn = rulesFor('signedIn', SIGNED_IN_LIMITS);
  const anonymous = rulesFor('anonymous', ANONYMOUS_LIMITS);
  const hideSuggestions = blockFieldSuggestionsPlugin().onValidate!;
  return {
    onParse({ setParseFn }) {
      setParseFn(parseWithTokenLimit);
    },
    onValidate(payload) {
      const known = isSignedIn(payload.context);
      for (const rule of known ? signedIn : anonymous) payload.addValidationRule(rule);
      if (!known) return hideSuggestions(payload as never);
    },
  };
}
