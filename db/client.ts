import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { SQLITE_MIGRATIONS } from './migrations-folders.ts';
import * as schema from './schema.ts';
import { withStatementCache } from './statement-cache.ts';


export type Db = BetterSQLite3Database<typeof schema>;

export interface DatabaseHandle {
  db: Db;
  sqlite: Database.Database;
  /** Statements run through `db` since opening; lets tests and the benchmark see N+1s. */
  statementCount(): number;
  /**
   * The same connection, its statements left out of the count: for the job queue's once-a-second
   * heartbeat, which would otherwise land inside whatever request is being counted.
   */
  uncounted: Db;
  /** Set when opening rewrote a file made before incremental vacuum: how long that took. */
  convertedToIncrementalVacuumMs?: number;
  close(): void;
}

const OWNER_ONLY_FOLDER = 0o700;
const OWNER_ONLY_FILE = 0o600;

/**
 * The data folder and the database's files readable by the service's user only. A shared
 * folder (sticky, like /tmp) or someone else's is left as it is; the files are still closed.
 */
function restrictAccess(file: string) {
  const folder = dirname(file);
  const stats = statSync(folder);
  const shared = (stats.mode & 0o1000) !== 0 || (process.getuid && stats.uid !== process.getuid());
  if (!shared) chmodSync(folder, OWNER_ONLY_FOLDER);
  // SQLite gives the -wal and -shm files the database file's permissions; older ones are fixed here.
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, OWNER_ONLY_FILE);
}

const INCREMENTAL = 2;

/**
 * A file made before incremental vacuum was turned on never shrinks: retention's freed pages stay
 * in it. Setting the mode takes one VACUUM, which rewrites the file, so it is done once, at start.
 */
function convertToIncrementalVacuum(sqlite: Database.Database): number | undefined {
  if (sqlite.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return undefined;
  const started = performance.now();
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.exec('VACUUM');
  return Math.round(performance.now() - started);
}

/** A read-only connection to the service's file, for a thread that only reads (see snapshot-reader.worker.ts). */
export function openReadOnly(file: string): Pick<DatabaseHandle, 'db' | 'sqlite' | 'close'> {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  return { db: drizzle(withStatementCache(sqlite), { schema }), sqlite, close: () => sqlite.close() };
}

/** Opens (creating if needed) and migrates the SQLite file. */
export function openDatabase(file: string): DatabaseHandle {
  mkdirSync(dirname(file), { recursive: true, mode: OWNER_ONLY_FOLDER });
  // Created empty (a valid SQLite file) with the owner's permissions before SQLite opens it.
  if (!existsSync(file)) closeSync(openSync(file, 'a', OWNER_ONLY_FILE));
  restrictAccess(file);
  const sqlite = new Database(file);
  // Takes effect only on a new file (before WAL and the first table): most rows hold a record's
  // JSON, and larger pages made storing a backup about a third faster. Existing files keep theirs.
  sqlite.pragma('page_size = 16384');
  // Also only on a new file: pages freed by retention can be given back in small steps
  // (`incremental_vacuum`) instead of a VACUUM that rewrites the whole file.
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // better-sqlite3 builds SQLite with a 16 MB page cache. A backup appends in key order, so its
  // writes touch few pages; the operating system caches the file for reads anyway.
  sqlite.pragma('cache_size = -4000');
  let statements = 0;
  const cached = withStatementCache(sqlite);
  const db = drizzle(cached, {
    schema,
    logger: {
      logQuery: () => {
        statements += 1;
      },
    },
  });
  migrate(db, { migrationsFolder: SQLITE_MIGRATIONS });
  return {
    db,
    sqlite,
    statementCount: () => statements,
    uncounted: drizzle(cached, { schema }),
    convertedToIncrementalVacuumMs: convertToIncrementalVacuum(sqlite),
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}
