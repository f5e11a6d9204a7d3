import { inArray, sql, type Column, type SQL } from 'drizzle-orm';

/**
 * `column IN (…)` for lists of any length, bound as one JSON parameter: SQLite caps a statement's
 * parameters at 32,766, and building one parameter per value costs more than the lookup itself.
 */
export function inList(column: Column, values: readonly string[]): SQL {
  return inArray(column, sql`(select value from json_each(${JSON.stringify(values)}))`);
}
