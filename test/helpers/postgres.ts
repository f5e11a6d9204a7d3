import { randomBytes } from 'node:crypto';
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
