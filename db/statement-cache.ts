import type Database from 'better-sqlite3';

/** Distinct SQL texts kept compiled; the least recently used make room. */
const CACHED_STATEMENTS = 500;

/**
 * The database as Drizzle's client, with each SQL text compiled once: Drizzle prepares every query
 * it runs, and compiling the dashboard's statements again on each request cost about a tenth of it.
 * Sharing a statement is safe because Drizzle runs each to completion synchronously (nothing here
 * iterates); raw mode, which Drizzle turns on for typed selects, is turned off again for the next user.
 */
export function withStatementCache(sqlite: Database.Database): Database.Database {
  const statements = new Map<string, Database.Statement>();
  const prepare = (source: string) => {
    let statement = statements.get(source);
    if (statement) {
      statements.delete(source);
    } else {
      statement = sqlite.prepare(source);
      if (statements.size >= CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
    }
    statements.set(source, statement);
    if (statement.reader) statement.raw(false);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, name): unknown {
      if (name === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
