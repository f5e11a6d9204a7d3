import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

// Found from here as from the built service (dist/main.js): both sit one level below the project root.
const migrationsFolder = fileURLToPath(new URL('../db/migrations/', import.meta.url));

export type Db = BetterSQLite3Database<typeof schema>;

export interface DatabaseHandle {
  db: Db;
  sqlite: Database.Database;
  /** Statements run through Drizzle since opening; lets tests and the benchmark see N+1s. */
  statementCount(): number;
  close(): void;
}

/** Opens (creating if needed) and migrates the SQLite file. */
export function openDatabase(file: string): DatabaseHandle {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // Takes effect only on a new file (before WAL and the first table): most rows hold a record's
  // JSON, and larger pages made storing a backup about a third faster. Existing files keep theirs.
  sqlite.pragma('page_size = 16384');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  let statements = 0;
  const db = drizzle(sqlite, {
    schema,
    logger: {
      logQuery: () => {
        statements += 1;
      },
    },
  });
  migrate(db, { migrationsFolder });
  return {
    db,
    sqlite,
    statementCount: () => statements,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}
