/** SQLite refused a row for the named unique index (Drizzle wraps the driver's error; better-sqlite3's names the index). */
export function isUniqueViolation(error: unknown, index: string): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes(`'${index}'`);
}
