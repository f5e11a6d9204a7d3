import type { SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { PgDialect, type PgSession } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from '../migrations-folders.ts';
import * as schema from './schema.ts';

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };
export type PgTransaction = Parameters<Parameters<PgDb['transaction']>[0]>[0];

/** A connection or a transaction: statements run in whichever the caller is in. */
export interface Executor {
  execute(query: SQL): PromiseLike<unknown>;
}

export interface PostgresHandle {
  db: PgDb;
  pool: pg.Pool;
  /** Statements run through `db` since opening; lets tests and the benchmark see N+1s. */
  statementCount(): number;
  /** The same pool, its statements left out of the count (the job queue's heartbeat). */
  uncounted: PgDb;
  close(): Promise<void>;
}

/**
 * A transaction on one connection of the pool, for statements drizzle does not send (COPY) beside
 * those it does: both see the same transaction.
 */
export async function transactionOnConnection<T>(db: PgDb, work: (tx: PgTransaction, client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.$client.connect();
  try {
    return await drizzle(client, { schema }).transaction((tx) => work(tx, client));
  } finally {
    client.release();
  }
}

/** A schema name as written unquoted: it goes into DDL and the search path as it is. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Applies db/pg/migrations as drizzle-orm/node-postgres/migrator does, except that drizzle-kit names
 * every foreign key's table with the "public" schema: left out here, they resolve by the search
 * path like the rest of the migrations, so the tables can live in another schema.
 */
async function migrate(pool: pg.Pool, migrationsSchema: string | undefined) {
  const migrations = readMigrationFiles({ migrationsFolder: POSTGRES_MIGRATIONS }).map((migration) => ({
    ...migration,
    sql: migration.sql.map((statement) => statement.replaceAll('REFERENCES "public".', 'REFERENCES ')),
  }));
  // The session's type differs from the one migrate() names only in its (unused) schema types.
  await new PgDialect().migrate(migrations, drizzle(pool)._.session as PgSession, { migrationsFolder: POSTGRES_MIGRATIONS, migrationsSchema });
}

/**
 * Connects to PostgreSQL and migrates. With `schema`, the service's tables and its migration journal
 * live in that schema (made if missing), the only one on the search path.
 */
export async function openPostgres(url: string, options: { schema?: string } = {}): Promise<PostgresHandle> {
  const { schema: schemaName } = options;
  if (schemaName !== undefined && !SCHEMA_NAME.test(schemaName)) throw new Error(`Not a plain schema name: ${JSON.stringify(schemaName)}`);
  const pool = new pg.Pool({ connectionString: url, options: schemaName ? `-c search_path=${schemaName}` : undefined });
  // An idle connection the server dropped is replaced by the pool; unheard, its error would end the process.
  pool.on('error', () => undefined);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await pool.end();
  };
  try {
    if (schemaName) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schemaName}"`);
    await migrate(pool, schemaName);
    let statements = 0;
    const logger = { logQuery: () => void (statements += 1) };
    return { db: drizzle(pool, { schema, logger }), pool, statementCount: () => statements, uncounted: drizzle(pool, { schema }), close };
  } catch (error) {
    await close();
    throw error;
  }
}
