import { sql } from 'drizzle-orm';
import type { Executor } from './client.ts';


/** As randomUUID makes them. DDL takes no bind parameters, so nothing else reaches the SQL below. */
const ORGANISATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const PARTITIONED_TABLES = ['record_versions', 'snapshot_records'] as const;

function partitionNames(organisationId: string) {
  if (!ORGANISATION_ID.test(organisationId)) throw new Error(`An organisation id is a UUID; refusing ${JSON.stringify(organisationId)}`);
  const suffix = organisationId.replaceAll('-', '');
  return PARTITIONED_TABLES.map((table) => ({ table, partition: `${table}_${suffix}` }));
}

/** The organisation's partition of each table partitioned by organisation; none exists before it is made. */
export async function createOrganisationPartitions(db: Executor, organisationId: string): Promise<void> {
  for (const { table, partition } of partitionNames(organisationId)) {
    await db.execute(sql.raw(`CREATE TABLE IF NOT EXISTS "${partition}" PARTITION OF "${table}" FOR VALUES IN ('${organisationId}')`));
  }
}

/** Drops the organisation's partitions, and with them all its record versions and snapshot records. */
export async function dropOrganisationPartitions(db: Executor, organisationId: string): Promise<void> {
  for (const { partition } of partitionNames(organisationId)) await db.execute(sql.raw(`DROP TABLE IF EXISTS "${partition}"`));
}
