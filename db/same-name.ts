import { sql, type Column, type SQL } from 'drizzle-orm';

/** Names compare without letter case: "Acme" and "ACME" side by side would mislead. Both engines index `lower(name)`. */
export function sameName(column: Column, name: string): SQL {
  return sql`lower(${column}) = lower(${name})`;
}
