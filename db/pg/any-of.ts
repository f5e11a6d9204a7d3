import { sql, type Column, type SQL } from 'drizzle-orm';

/** `column = any(…)` with the list as one array parameter, however long: Drizzle would otherwise bind each value on its own. */
export const anyOf = (column: Column | SQL, values: readonly string[]): SQL => sql`${column} = any(${sql.param(values)}::text[])`;
