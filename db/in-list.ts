import { inArray, sql, type Column, type Placeholder, type SQL } from 'drizzle-orm';

const jsonEach = (list: string | Placeholder) => sql`(select value from json_each(${list}))`;

/**
 * `column IN (…)` for lists of any length, bound as one JSON parameter: SQLite caps a statement's
 * parameters at 32,766, and building one parameter per value costs more than the lookup itself.
 */
export function inList(column: Column, values: readonly string[]): SQL {
  return inArray(column, jsonEach(JSON.stringify(values)));
}

/** `inList` in a prepared statement: the placeholder takes the list as `JSON.stringify(values)`. */
export function inListPlaceholder(column: Column, placeholder: Placeholder): SQL {
  return inArray(column, jsonEach(placeholder));
}
