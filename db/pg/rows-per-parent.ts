import { and, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { alias, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { PgDb } from './client.ts';

export interface PerParentQuery {
  parent: PgColumn;
  id: PgColumn;
  /** Conditions beyond the parent, e.g. a status filter or the position after a cursor. */
  where?: SQL;
  orderBy: SQL[];
}

/**
 * The first `limit` rows of each of many parents in one statement: a lateral subquery per parent
 * walks its (parent, order) index, so the cost follows the page size rather than each parent's
 * history. The parents go as one array parameter, however many.
 */
export function firstRowsPerParent<T extends PgTable, O extends keyof T['$inferSelect'] = never>(
  db: PgDb,
  table: T,
  parentIds: readonly string[],
  limit: number,
  query: (table: T) => PerParentQuery,
  omitted: readonly O[] = [],
): Promise<Omit<T['$inferSelect'], O>[]> {
  const page = alias(table, 'page') as unknown as T;
  const inner = query(page);
  const outer = query(table);
  // Drizzle's from() checks what it is given against the table's own type, which a generic T does not resolve.
  const [pageTable, parentTable]: PgTable[] = [page, table];
  const firstOfParent = db
    .select({ id: inner.id })
    .from(pageTable)
    .where(and(sql`${inner.parent} = parent.id`, inner.where))
    .orderBy(...inner.orderBy)
    .limit(limit);
  const picked = sql`(select picked.${sql.identifier(outer.id.name)} from unnest(${sql.param(parentIds)}::text[]) as parent(id)
    cross join lateral (${firstOfParent}) as picked)`;
  const columns: Record<string, PgColumn> = getTableColumns(table);
  const selected = Object.fromEntries(Object.entries(columns).filter(([name]) => !(omitted as readonly string[]).includes(name)));
  return db
    .select(selected)
    .from(parentTable)
    .where(sql`${outer.id} in ${picked}`)
    .orderBy(...outer.orderBy) as unknown as Promise<Omit<T['$inferSelect'], O>[]>;
}
