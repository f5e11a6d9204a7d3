import type { Column } from 'drizzle-orm';

/** A prepared select whose rows can be read as arrays, in the order of its selected columns. */
interface ArrayRows {
  values(values?: Record<string, unknown>): unknown[][];
}

/**
 * Reads a prepared select of plain columns as objects, each value decoded by its column as Drizzle
 * would, without Drizzle's per-value checks of what each selected field is: the dashboard's lists
 * read hundreds of rows a request, and mapping them cost about as much as running the statement.
 * `columns` must be the object the select was built from (its keys in the same order).
 */
export function columnRows<R>(query: ArrayRows, columns: Record<string, Column>): (values?: Record<string, unknown>) => R[] {
  const keys = Object.keys(columns);
  const decoders = Object.values(columns);
  return (values) =>
    query.values(values).map((row) => {
      const result: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = row[i];
        result[keys[i]] = value === null ? null : decoders[i].mapFromDriverValue(value);
      }
      return result as R;
    });
}
