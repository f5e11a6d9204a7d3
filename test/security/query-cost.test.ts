import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.ts';
import { ASSUMED_PAGE_SIZE, checkCost } from '../../src/server/query-cost.ts';

const costOf = (query: string, variables: Record<string, unknown> = {}) =>
  (checkCost(schema, parse(query), variables, undefined, 0)?.extensions.cost as number | undefined) ?? 0;

describe('the cost estimate of Relay connections', () => {
  it('multiplies what a connection selects, through edges or nodes, by its page size from literals and variables', () => {
    const byNodes = costOf('{ snapshot(id: "x") { ... on Snapshot { records(object: "A", first: 100) { nodes { id fields } } } } }');
    const byEdges = costOf('{ snapshot(id: "x") { ... on Snapshot { records(object: "A", first: 100) { edges { node { id fields } } } } } }');
    const byVariable = costOf('query ($n: Int) { snapshot(id: "x") { ... on Snapshot { records(object: "A", first: $n) { nodes { id fields } } } } }', { n: 100 });
    const small = costOf('{ snapshot(id: "x") { ... on Snapshot { records(object: "A", first: 1) { nodes { id fields } } } } }');
    expect(byNodes).toBeGreaterThan(small + 99 * 2);
    expect(byVariable).toBe(byNodes);
    // An edge adds its own field: the page of edges costs more than the page of nodes, not less.
    expect(byEdges).toBeGreaterThan(byNodes);
  });

  it('multiplies nested pages, counts `last` like `first`, and a page without either at the assumed size', () => {
    const nested = (n: number) => costOf(`{ organisations(first: 10) { nodes { instances { snapshots(first: ${n}) { nodes { records(object: "A", first: ${n}) { nodes { id } } } } } } } }`);
    const onePage = costOf('{ snapshot(id: "x") { ... on Snapshot { records(object: "A", first: 100) { nodes { id } } } } }');
    // Ten organisations, ten instances each, a hundred snapshots each, each a page of a hundred records.
    expect(nested(100)).toBeGreaterThan(10 * 10 * 100 * (onePage - 2));
    expect(nested(100)).toBeGreaterThan(nested(10) * 10);
    const keys = (size: string) => costOf(`{ apiKeys${size} { nodes { id name } } }`);
    expect(keys('(last: 100)')).toBe(keys('(first: 100)'));
    expect(keys('')).toBe(keys(`(first: ${ASSUMED_PAGE_SIZE})`));
  });
});
