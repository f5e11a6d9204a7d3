import { and, eq, gt, lt, or, type Column } from 'drizzle-orm';

/** Rows past a `[createdAt ms, id]` cursor position, for lists ordered oldest first (either engine's columns). */
export function createdAfter(createdAt: Column, id: Column, after: readonly [number, string] | undefined) {
  if (!after) return undefined;
  const at = new Date(after[0]);
  return or(gt(createdAt, at), and(eq(createdAt, at), gt(id, after[1])));
}

/** Rows past the row at `[at, rowId]`, for lists ordered newest first, the id breaking ties (either engine's columns). */
export function olderThan(time: Column, id: Column, at: Date, rowId: string) {
  return or(lt(time, at), and(eq(time, at), lt(id, rowId)));
}
