import { sql } from 'drizzle-orm';
import type { DatabaseHealth } from '../database-health.ts';
import type { PgDb } from './client.ts';

/** PostgreSQL answers when a pooled connection runs a statement. */
export function postgresDatabaseHealth(db: PgDb): DatabaseHealth {
  return {
    async ping() {
      try {
        await db.execute(sql`select 1`);
        return 'ok';
      } catch {
        return 'error';
      }
    },
  };
}
