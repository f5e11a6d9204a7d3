import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { EngineHandle } from '../../db/open.ts';
import { createTestDatabase, postgresEnvironment } from './postgres.ts';
import { SUITE_ON_POSTGRES } from './server.ts';

export type Engine = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;

/**
 * Raw SQL beside the API, with `?` placeholders, on either engine. Rows come back as SQLite gives
 * them (times in milliseconds, booleans 0/1, counts as numbers); Date and boolean parameters are
 * turned into SQLite's integers there.
 */
export interface DatabaseRows {
  engine: Engine;
  all<T = Row>(sql: string, ...params: unknown[]): Promise<T[]>;
  get<T = Row>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  /** The first column of the first row, as a number: `select count(*) …`. */
  count(sql: string, ...params: unknown[]): Promise<number>;
  run(sql: string, ...params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

const sqliteValue = (value: unknown) => (value instanceof Date ? value.getTime() : typeof value === 'boolean' ? Number(value) : value);

function sqliteRows(sqlite: Database.Database, close: () => void): DatabaseRows {
  const all = <T>(sql: string, ...params: unknown[]) => Promise.resolve(sqlite.prepare(sql).all(...params.map(sqliteValue)) as T[]);
  return {
    engine: 'sqlite',
    all,
    get: async <T>(sql: string, ...params: unknown[]) => (await all<T>(sql, ...params))[0],
    count: async (sql, ...params) => Number(Object.values((await all<Row>(sql, ...params))[0])[0]),
    run: (sql, ...params) => Promise.resolve(void sqlite.prepare(sql).run(...params.map(sqliteValue))),
    close: () => Promise.resolve(close()),
  };
}

/** PostgreSQL's values read the way SQLite stores them. */
const { builtins } = pg.types;
const AS_SQLITE_GIVES_THEM: Partial<Record<number, (text: string) => unknown>> = {
  [builtins.INT8]: Number,
  [builtins.NUMERIC]: Number,
  [builtins.BOOL]: (text) => (text === 't' ? 1 : 0),
  [builtins.TIMESTAMPTZ]: (text) => new Date(text).getTime(),
  [builtins.TIMESTAMP]: (text) => new Date(`${text}Z`).getTime(),
};
const sqliteLikeTypes = {
  getTypeParser: (oid: number, format?: string) => AS_SQLITE_GIVES_THEM[oid] ?? pg.types.getTypeParser(oid, format as 'text'),
};

function postgresRows(pool: pg.Pool, close: () => Promise<void>): DatabaseRows {
  const all = async <T>(sql: string, ...params: unknown[]) => {
    let placeholder = 0;
    const text = sql.replace(/\?/g, () => `$${++placeholder}`);
    return (await pool.query({ text, values: params, types: sqliteLikeTypes })).rows as T[];
  };
  return {
    engine: 'postgres',
    all,
    get: async <T>(sql: string, ...params: unknown[]) => (await all<T>(sql, ...params))[0],
    count: async (sql, ...params) => Number(Object.values((await all<Row>(sql, ...params))[0])[0]),
    run: async (sql, ...params) => void (await all(sql, ...params)),
    close,
  };
}

/** The rows of an in-process test server's database; closing them leaves the server's connection open. */
export function rowsOf(app: { database: EngineHandle }): DatabaseRows {
  const { database } = app;
  return database.engine === 'sqlite'
    ? sqliteRows(database.handle.sqlite, () => undefined)
    : postgresRows(database.handle.pool, () => Promise.resolve());
}

/** The rows of the database a service's DATABASE_URL names (a SQLite file or a PostgreSQL URL), opened beside it. */
export function rowsAt(databaseUrl: string): DatabaseRows {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const sqlite = new Database(databaseUrl);
    return sqliteRows(sqlite, () => sqlite.close());
  }
  const pool = new pg.Pool({ connectionString: databaseUrl });
  return postgresRows(pool, () => pool.end());
}

/** The engine the suite's test servers run on. */
export const SUITE_ENGINE: Engine = SUITE_ON_POSTGRES ? 'postgres' : 'sqlite';

export interface ProcessDatabase {
  engine: Engine;
  /** DATABASE_URL and what the engine needs besides, for service processes. */
  env: Record<string, string>;
  /** Opens the database beside the processes (close it before the next look, or at the end). */
  rows(): DatabaseRows;
  drop(): Promise<void>;
}

/**
 * A database for service processes with `dataDir` as their data folder, on the suite's engine: the
 * SQLite file there, or a PostgreSQL database of its own (the processes migrate it).
 */
export async function processDatabase(dataDir: string, engine: Engine = SUITE_ENGINE): Promise<ProcessDatabase> {
  if (engine === 'sqlite') {
    const file = join(dataDir, 'backup.db');
    return { engine, env: { DATABASE_URL: file }, rows: () => rowsAt(file), drop: () => Promise.resolve() };
  }
  const database = await createTestDatabase(process.env.TEST_DATABASE_URL!);
  return { engine, env: postgresEnvironment(database.url, dataDir), rows: () => rowsAt(database.url), drop: database.drop };
}
