import { DrizzleQueryError } from 'drizzle-orm';

const UNIQUE_VIOLATION = '23505';

/** PostgreSQL refused a row for the named unique index (Drizzle wraps the driver's error). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const cause = error instanceof DrizzleQueryError ? error.cause : error;
  const { code, constraint: refusedBy } = (cause ?? {}) as { code?: string; constraint?: string };
  return code === UNIQUE_VIOLATION && refusedBy === constraint;
}
