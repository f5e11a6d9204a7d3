import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type PostgresHandle } from '../../db/pg/client.ts';

export interface TestPostgres extends PostgresHandle {
  /** The schema holding this handle's tables, alone on its search path. */
  schema: string;
  /** Drops the schema with everything in it, then closes the pool. */
  drop(): Promise<void>;
}

/** A migrated schema of its own on TEST_DATABASE_URL: an isolated database for one test file. */
export async function openTestPostgres(): Promise<TestPostgres> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(8).toString('hex')}`;
  const handle = await openPostgres(url, { schema });
  return {
    ...handle,
    schema,
    drop: async () => {
      try {
        await handle.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await handle.close();
      }
    },
  };
}

export interface TestDatabaseUrl {
  /** The server's URL with this database in it, for processes of the test's own. */
  url: string;
  /** Drops the database, ending whatever is still connected to it. */
  drop(): Promise<void>;
}

/** A new, empty database on the server `serverUrl` names: for service processes, which migrate it themselves. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabaseUrl> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** What service processes need besides to run on `databaseUrl`, their files in `dataDir`: PostgreSQL requires SECRET_KEY. */
export const postgresEnvironment = (databaseUrl: string, dataDir: string): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  DATA_DIR: dataDir,
  SECRET_KEY: randomBytes(32).toString('hex'),
});
