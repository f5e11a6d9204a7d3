import { randomUUID } from 'node:crypto';
import { eq, is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { POSTGRES_MIGRATIONS } from '../../db/migrations-folders.ts';
import { openPostgres } from '../../db/pg/client.ts';
import { createOrganisationPartitions, dropOrganisationPartitions } from '../../db/pg/partitions.ts';
import { postgresOrganisationStore } from '../../db/pg/organisation-store.ts';
import * as schema from '../../db/pg/schema.ts';
import { openTestPostgres, type TestPostgres } from '../helpers/postgres.ts';

const TABLES = Object.values(schema)
  .filter((value) => is(value, PgTable))
  .map((table) => getTableConfig(table).name);

const withoutDashes = (id: string) => id.replaceAll('-', '');

describe.skipIf(!process.env.TEST_DATABASE_URL)('the PostgreSQL schema', () => {
  let database: TestPostgres;

  beforeAll(async () => {
    database = await openTestPostgres();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const rows = async <Row extends object>(text: string, values: unknown[] = []) => (await database.pool.query<Row>(text, values)).rows;

  /** Tables, columns, indexes, constraints and applied migrations of the test's schema, one line each. */
  const catalog = () =>
    rows<{ item: string }>(
      `select 'table ' || c.relname || ' ' || c.relkind::text as item from pg_class c where c.relnamespace = $1::text::regnamespace and c.relkind in ('r', 'p')
       union all select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || coalesce(' ' || column_default, '')
         from information_schema.columns where table_schema = $1::text
       union all select 'index ' || indexdef from pg_indexes where schemaname = $1::text
       union all select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = $1::text::regnamespace
       union all select 'migration ' || hash || ' ' || created_at from __drizzle_migrations
       order by 1`,
      [database.schema],
    ).then((found) => found.map((row) => row.item));

  /** An organisation with an instance and a snapshot: made by the store, with its partitions, unless told otherwise. */
  async function organisationWithSnapshot(partitions = true) {
    const organisationId = randomUUID();
    const { db } = database;
    const name = `Organisation ${organisationId}`;
    if (partitions) expect(await postgresOrganisationStore(db).create(organisationId, name)).toMatchObject({ id: organisationId, name });
    else await db.insert(schema.organisations).values({ id: organisationId, name });
    const instanceId = randomUUID();
    await db.insert(schema.instances).values({ id: instanceId, organisationId, environment: 'PRODUCTION', name: 'Live', loginUrl: 'https://login.salesforce.com', tokenLimit: 5 });
    const snapshotId = randomUUID();
    await db.insert(schema.snapshots).values({ id: snapshotId, instanceId, organisationId, jobId: randomUUID(), sequence: 1 });
    return { organisationId, instanceId, snapshotId };
  }

  const version = (organisationId: string, recordId = '001000000000001AAA') => ({ organisationId, recordId, hash: 'h1', data: '{"Name":"Acme"}' });
  const snapshotRecord = (organisationId: string, snapshotId: string, recordId = '001000000000001AAA') => ({
    organisationId,
    snapshotId,
    object: 'Account',
    recordId,
    versionHash: 'h1',
    deleted: false,
  });

  const partitionsHolding = async (table: 'record_versions' | 'snapshot_records', organisationId: string) =>
    (await rows<{ partition: string }>(`select distinct tableoid::regclass::text as partition from ${table} where organisation_id = $1`, [organisationId])).map(
      (row) => row.partition,
    );

  it('migrates an empty schema: every table, the two record tables partitioned, foreign keys within the schema; migrating again changes nothing', async () => {
    const before = await catalog();
    const tables = before.filter((item) => item.startsWith('table ')).sort();
    const expected = [...TABLES, '__drizzle_migrations'].map((name) => `table ${name} ${name === 'record_versions' || name === 'snapshot_records' ? 'p' : 'r'}`).sort();
    expect(tables).toEqual(expected);
    expect(before.filter((item) => item.startsWith('migration '))).toHaveLength(readMigrationFiles({ migrationsFolder: POSTGRES_MIGRATIONS }).length);
    expect(before).toContain(
      `index CREATE INDEX snapshot_records_deleted ON ONLY ${database.schema}.snapshot_records USING btree (organisation_id, snapshot_id, object, record_id) WHERE (deleted = true)`,
    );
    const elsewhere = await rows(
      `select conname from pg_constraint where contype = 'f' and connamespace = $1::regnamespace and (select relnamespace from pg_class where oid = confrelid) <> connamespace`,
      [database.schema],
    );
    expect(elsewhere).toEqual([]);

    const again = await openPostgres(process.env.TEST_DATABASE_URL!, { schema: database.schema });
    await again.close();
    expect(await catalog()).toEqual(before);
  });

  it("stores an organisation's record versions and snapshot records in its own partitions", async () => {
    const { organisationId, snapshotId } = await organisationWithSnapshot();
    await database.db.insert(schema.recordVersions).values(version(organisationId));
    await database.db.insert(schema.snapshotRecords).values(snapshotRecord(organisationId, snapshotId));

    expect(await partitionsHolding('record_versions', organisationId)).toEqual([`record_versions_${withoutDashes(organisationId)}`]);
    expect(await partitionsHolding('snapshot_records', organisationId)).toEqual([`snapshot_records_${withoutDashes(organisationId)}`]);
  });

  it('refuses records of an organisation without partitions', async () => {
    const { organisationId, snapshotId } = await organisationWithSnapshot(false);
    const noPartition = (table: string) => ({ cause: expect.objectContaining({ code: '23514', message: expect.stringContaining(`no partition of relation "${table}" found`) }) });

    await expect(database.db.insert(schema.recordVersions).values(version(organisationId)).execute()).rejects.toMatchObject(noPartition('record_versions'));
    await expect(database.db.insert(schema.snapshotRecords).values(snapshotRecord(organisationId, snapshotId)).execute()).rejects.toMatchObject(
      noPartition('snapshot_records'),
    );
  });

  it("drops a deleted organisation's partitions with its records, leaving another organisation's", async () => {
    const dropped = await organisationWithSnapshot();
    const kept = await organisationWithSnapshot();
    for (const { organisationId, snapshotId } of [dropped, kept]) {
      await database.db.insert(schema.recordVersions).values(version(organisationId));
      await database.db.insert(schema.snapshotRecords).values(snapshotRecord(organisationId, snapshotId));
    }

    await postgresOrganisationStore(database.db).delete(dropped.organisationId);
    await dropOrganisationPartitions(database.db, dropped.organisationId); // already gone: nothing to do
    expect(await rows('select id from organisations where id = $1', [dropped.organisationId])).toEqual([]);
    expect(await rows('select id from snapshots where id = $1', [dropped.snapshotId])).toEqual([]);

    for (const table of ['record_versions', 'snapshot_records'] as const) {
      expect(await partitionsHolding(table, dropped.organisationId)).toEqual([]);
      expect(await partitionsHolding(table, kept.organisationId)).toEqual([`${table}_${withoutDashes(kept.organisationId)}`]);
      const [{ partition }] = await rows<{ partition: string | null }>('select to_regclass($1)::text as partition', [`${table}_${withoutDashes(dropped.organisationId)}`]);
      expect(partition).toBeNull();
    }
  });

  it("deletes the records of a snapshot deleted, and only those, without reading another organisation's partition", async () => {
    const { organisationId, instanceId, snapshotId } = await organisationWithSnapshot();
    const laterId = randomUUID();
    await database.db.insert(schema.snapshots).values({ id: laterId, instanceId, organisationId, jobId: randomUUID(), sequence: 2 });
    await database.db.insert(schema.snapshotRecords).values([snapshotRecord(organisationId, snapshotId), snapshotRecord(organisationId, laterId)]);
    const other = await organisationWithSnapshot();
    await database.db.insert(schema.snapshotRecords).values(snapshotRecord(other.organisationId, other.snapshotId));

    // Scans of the other organisation's partition that this connection has not yet reported, before and after the delete.
    const otherPartitionScans = await database.db.transaction(async (tx) => {
      const scans = async () => {
        const partition = `snapshot_records_${withoutDashes(other.organisationId)}`;
        const { rows } = await tx.execute<{ scans: string }>(sql`select seq_scan + coalesce(idx_scan, 0) as scans from pg_stat_xact_user_tables where relid = ${partition}::regclass`);
        return Number(rows[0].scans);
      };
      const before = await scans();
      await tx.delete(schema.snapshots).where(eq(schema.snapshots.id, snapshotId));
      return (await scans()) - before;
    });
    expect(otherPartitionScans).toBe(0);

    const left = await database.db.select({ snapshotId: schema.snapshotRecords.snapshotId }).from(schema.snapshotRecords).where(eq(schema.snapshotRecords.organisationId, organisationId));
    expect(left).toEqual([{ snapshotId: laterId }]);
  });

  it('refuses an organisation id that is not a UUID before building any SQL', async () => {
    const partitionsBefore = await rows(`select relname from pg_class where relnamespace = $1::regnamespace and relispartition`, [database.schema]);
    for (const id of ["x') ; DROP TABLE jobs; --", 'acme', withoutDashes(randomUUID()), randomUUID().toUpperCase(), ` ${randomUUID()}`]) {
      await expect(createOrganisationPartitions(database.db, id)).rejects.toThrow(/UUID/);
      await expect(dropOrganisationPartitions(database.db, id)).rejects.toThrow(/UUID/);
    }
    expect(await rows(`select relname from pg_class where relnamespace = $1::regnamespace and relispartition`, [database.schema])).toEqual(partitionsBefore);
  });
});
