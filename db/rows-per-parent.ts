import { and, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { alias, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './client.ts';

export interface PerParentQuery {
  parent: SQLiteColumn;
  id: SQLiteColumn;
  /** Conditions beyond the parent, e.g. a status filter or the position after a cursor. */
  where?: SQL;
  orderBy: SQL[];
}

/**
 * The first `limit` rows of each of many parents in one statement. Each parent's rows come from a
 * subquery through its (parent, order) index, so the cost follows the page size rather than the
 * length of each parent's history, and a response listing fifty parents costs one query.
 * `omitted` columns are not read (nor parsed, for JSON columns).
 */
export function firstRowsPerParent<T extends SQLiteTable, O extends keyof T['$inferSelect'] = never>(
  db: Db,
  table: T,
  parentIds: readonly string[],
  limit: number,
  query: (table: T) => PerParentQuery,
  omitted: readonly O[] = [],
): Omit<T['$inferSelect'], O>[] {
  const page = alias(table, 'page') as unknown as T;
  const inner = query(page);
  const outer = query(table);
  const firstOfParent = db
    .select({ id: inner.id })
    .from(page)
    .where(and(sql`${inner.parent} = parent.value`, inner.where))
    .orderBy(...inner.orderBy)
    .limit(limit);
  const picked = sql`(select picked.${sql.identifier(outer.id.name)} from json_each(${JSON.stringify(parentIds)}) as parent
    join ${table} as picked on picked.${sql.identifier(outer.id.name)} in (${firstOfParent}))`;
  const columns: Record<string, SQLiteColumn> = getTableColumns(table);
  const selected = Object.fromEntries(Object.entries(columns).filter(([name]) => !(omitted as readonly string[]).includes(name)));
  return db
    .select(selected)
    .from(table as SQLiteTable)
    .where(sql`${outer.id} in ${picked}`)
    .orderBy(...outer.orderBy)
    .all() as Omit<T['$inferSelect'], O>[];
}
