import { and, eq, gt, or, type Column } from 'drizzle-orm';

/** Rows past a `[createdAt ms, id]` cursor position, for lists ordered oldest first (either engine's columns). */
export function createdAfter(createdAt: Column, id: Column, after: readonly [number, string] | undefined) {
  if (!after) return undefined;
  const at = new Date(after[0]);
  return or(gt(createdAt, at), and(eq(createdAt, at), gt(id, after[1])));
}
