import { and, getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import { alias, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './client.ts';
import { columnRows } from './column-rows.ts';

export interface PerParentQuery {
  parent: SQLiteColumn;
  id: SQLiteColumn;
  /** Conditions beyond the parent, e.g. a status filter or the position after a cursor; values through `sql.placeholder`. */
  where?: SQL;
  orderBy: SQL[];
}

export interface PerParentOptions<O> {
  /**
   * Names the statement `query` builds: every condition it may or may not add (a filter, a cursor,
   * the viewer's organisation) must show in it. The statement is built and prepared once per
   * shape, so conditions take their values by `sql.placeholder`, filled from `values`.
   */
  shape: string;
  values?: Record<string, unknown>;
  /** Columns not read (nor parsed, for JSON columns). */
  omitted?: readonly O[];
}

interface PreparedRows {
  all(values: Record<string, unknown>): unknown[];
}

const preparedByDb = new WeakMap<Db, Map<string, PreparedRows>>();

function prepare<T extends SQLiteTable>(db: Db, table: T, query: (table: T) => PerParentQuery, omitted: readonly string[]): PreparedRows {
  const page = alias(table, 'page') as unknown as T;
  const inner = query(page);
  const outer = query(table);
  const firstOfParent = db
    .select({ id: inner.id })
    .from(page)
    .where(and(sql`${inner.parent} = parent.value`, inner.where))
    .orderBy(...inner.orderBy)
    .limit(sql.placeholder('limit'));
  const picked = sql`(select picked.${sql.identifier(outer.id.name)} from json_each(${sql.placeholder('parentIds')}) as parent
    join ${table} as picked on picked.${sql.identifier(outer.id.name)} in (${firstOfParent}))`;
  const columns: Record<string, SQLiteColumn> = getTableColumns(table);
  const selected = Object.fromEntries(Object.entries(columns).filter(([name]) => !omitted.includes(name)));
  const statement = db
    .select(selected)
    .from(table as SQLiteTable)
    .where(sql`${outer.id} in ${picked}`)
    .orderBy(...outer.orderBy)
    .prepare();
  return { all: columnRows(statement, selected) };
}

/**
 * The first `limit` rows of each of many parents in one statement. Each parent's rows come from a
 * subquery through its (parent, order) index, so the cost follows the page size rather than the
 * length of each parent's history, and a response listing fifty parents costs one query.
 * Lists are read on every dashboard request: the statement is prepared once per shape.
 */
export function firstRowsPerParent<T extends SQLiteTable, O extends keyof T['$inferSelect'] = never>(
  db: Db,
  table: T,
  parentIds: readonly string[],
  limit: number,
  query: (table: T) => PerParentQuery,
  { shape, values = {}, omitted = [] }: PerParentOptions<O>,
): Omit<T['$inferSelect'], O>[] {
  let prepared = preparedByDb.get(db);
  if (!prepared) preparedByDb.set(db, (prepared = new Map<string, PreparedRows>()));
  const key = `${getTableName(table)}|${shape}|${omitted.join()}`;
  let statement = prepared.get(key);
  if (!statement) prepared.set(key, (statement = prepare(db, table, query, omitted as readonly string[])));
  return statement.all({ ...values, parentIds: JSON.stringify(parentIds), limit }) as Omit<T['$inferSelect'], O>[];
}
