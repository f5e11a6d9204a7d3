import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isLeafType,
  isListType,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/** A page asked for without `first` is counted at this size (the largest default page). */
export const ASSUMED_PAGE_SIZE = 50;
/** A list without paging (an organisation's instances, a snapshot's objects) is counted at this size. */
export const ASSUMED_LIST_SIZE = 10;

/** Fields whose resolver runs its own query over a snapshot's rows, whatever the page. */
const FIELD_WEIGHTS: Record<string, number> = {
  'Snapshot.records': 2000,
  'Snapshot.objects': 10,
  'Snapshot.recordCount': 10,
  'Job.failures': 10,
};

// Lists inside a page (a connection's edges and nodes) are counted by the field that took `first`.
const isPageType = (name: string) => /(Connection|Page)$/.test(name);

/**
 * Every field costs 1 (a few that run a query of their own, more); a paged field multiplies what it selects by `first` (from literals and
 * variables alike, so `first: $n` cannot hide a large page), other lists of objects by a
 * stated size. Scalars and lists of scalars cost 1.
 */
/** A search opens every sealed version of the object until its page is full. */
const SEARCH_WEIGHT = 20_000;

const estimate: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const own = typeof args.search === 'string' ? SEARCH_WEIGHT : (FIELD_WEIGHTS[`${type.name}.${field.name}`] ?? 1);
  if (field.args.some((arg) => arg.name === 'first')) {
    // A Relay connection also takes `last`; whichever is given sizes the page.
    const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : ASSUMED_PAGE_SIZE;
    return own + childComplexity * Math.max(size, 0);
  }
  const listOfObjects = isListType(getNullableType(field.type)) && !isLeafType(getNamedType(field.type));
  if (listOfObjects && !isPageType(type.name)) return own + childComplexity * ASSUMED_LIST_SIZE;
  return own + childComplexity;
};

/** Estimates kept per parsed document (yoga hands the same one for the same text), one per set of variables. */
const ESTIMATES_PER_DOCUMENT = 20;
/** Variables longer than this (a restore's record ids) are estimated each time rather than kept as a key. */
const MAX_KEY_LENGTH = 2_000;
const estimates = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, number | undefined>>>();

/**
 * The estimate depends on the schema, the document, the operation and the variables only, so a
 * document sent again (the dashboard's, each event's subscription) is not walked again.
 * Undefined when the variables do not fit the document.
 */
function estimatedCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined) {
  let byDocument = estimates.get(schema);
  if (!byDocument) estimates.set(schema, (byDocument = new WeakMap()));
  let byVariables = byDocument.get(document);
  if (!byVariables) byDocument.set(document, (byVariables = new Map<string, number | undefined>()));
  const key = JSON.stringify([operationName ?? null, variables]);
  if (byVariables.has(key)) return byVariables.get(key);
  let cost: number | undefined;
  try {
    cost = getComplexity({ schema, query: document, variables, operationName, estimators: [estimate] });
  } catch {
    cost = undefined;
  }
  if (key.length > MAX_KEY_LENGTH) return cost;
  if (byVariables.size >= ESTIMATES_PER_DOCUMENT) byVariables.delete(byVariables.keys().next().value!);
  byVariables.set(key, cost);
  return cost;
}

/** The estimated cost of the operation with its variables, or an error when it passes `maxCost`. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  maxCost: number,
): GraphQLError | undefined {
  const cost = estimatedCost(schema, document, variables ?? {}, operationName);
  // Bad variables: execution refuses them with graphql's own message.
  if (cost === undefined || cost <= maxCost) return undefined;
  return new GraphQLError(`This operation is estimated to cost ${Math.round(cost)}, over the limit of ${maxCost}: ask for smaller pages or fewer nested lists`, {
    extensions: { code: 'QUERY_TOO_COSTLY', cost: Math.round(cost), maxCost },
  });
}
