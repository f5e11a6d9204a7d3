import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionOnConnection } from '../../db/pg/client.ts';
import { copyRows } from '../../db/pg/copy-rows.ts';
import { createOrganisationPartitions } from '../../db/pg/partitions.ts';
import * as schema from '../../db/pg/schema.ts';
import { postgresSnapshotStore } from '../../db/pg/snapshot-store.ts';
import { openTestPostgres, type TestPostgres } from '../helpers/postgres.ts';

describe.skipIf(!process.env.TEST_DATABASE_URL)('record writes on PostgreSQL (COPY into a staging table)', () => {
  let database: TestPostgres;

  beforeAll(async () => {
    database = await openTestPostgres();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("copies values holding COPY's syntax characters as they are, inside the caller's transaction", async () => {
    const values = ['back\\slash', 'tab\there', 'new\nline', 'carriage\rreturn', '\\N', '', 'ünïcødé'];
    await database.pool.query('create table copied (position int, value text, flag boolean)');
    await transactionOnConnection(database.db, (_, client) => copyRows(client, 'copied', ['position', 'value', 'flag'], values.map((value, i) => [String(i), value, i % 2 === 0])));
    const copied = async () => (await database.pool.query<{ value: string; flag: boolean }>('select value, flag from copied order by position')).rows;
    expect(await copied()).toEqual(values.map((value, i) => ({ value, flag: i % 2 === 0 })));

    const failing = transactionOnConnection(database.db, async (_, client) => {
      await copyRows(client, 'copied', ['position', 'value', 'flag'], [['99', 'rolled back', true]]);
      throw new Error('fails after the copy');
    });
    await expect(failing).rejects.toThrow('fails after the copy');
    expect(await copied()).toHaveLength(values.length);
  });

  it('stores nothing of a batch that fails, and stores the next batch on the same connection', async () => {
    const organisationId = randomUUID();
    const instanceId = randomUUID();
    await database.db.execute(sql`insert into organisations (id, name) values (${organisationId}, 'Writes')`);
    await createOrganisationPartitions(database.db, organisationId);
    await database.db.execute(sql`insert into instances (id, organisation_id, environment, name, login_url, token_limit)
      values (${instanceId}, ${organisationId}, 'PRODUCTION', 'prod', 'https://login.example', 5)`);

    // One connection: the next batch gets back the failed batch's connection, its staging table rolled back.
    const pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${database.schema}`, max: 1 });
    try {
      const store = postgresSnapshotStore(drizzle(pool, { schema }));
      const kept = await store.begin(instanceId, randomUUID(), null);
      const gone = await store.begin(instanceId, randomUUID(), null);
      const row = (recordId: string) => ({ recordId, hash: `h-${recordId}`, data: Buffer.from(`{"Id":"${recordId}"}`), deleted: false });
      await store.newestVersions([gone.id], 'Account'); // its organisation, looked up while it exists
      await database.pool.query('delete from snapshots where id = $1', [gone.id]);

      // The first batch on the connection makes its staging table, then fails on the snapshot's key.
      await expect(store.writeRecords(gone.id, 'Account', [row('001A'), row('001B')])).rejects.toMatchObject({ cause: { code: '23503' } }); // foreign key violation
      const versions = async () => (await database.pool.query<{ record_id: string }>('select record_id from record_versions order by record_id')).rows.map((version) => version.record_id);
      expect(await versions()).toEqual([]);

      expect(await store.writeRecords(kept.id, 'Account', [row('001C'), row('001D'), row('001C')])).toBe(2);
      expect(await versions()).toEqual(['001C', '001D']);
      expect((await store.newestVersions([kept.id], 'Account')).map((version) => version.recordId)).toEqual(['001C', '001D']);
    } finally {
      await pool.end();
    }
  });
});
