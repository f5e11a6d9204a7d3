import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { PgTransaction } from './client.ts';
import { copyRows, type CopyValue } from './copy-rows.ts';

/** The session's table a batch of records is copied into on its way to the record tables; emptied at each commit. */
export const STAGED_RECORDS = sql.raw('staged_records');

const COLUMNS = ['record_id', 'hash', 'data', 'deleted', 'last_of_record'] as const;

/**
 * Copies a batch into the stage: record id, version hash, stored data, deleted, and whether it is
 * its record's last row in the batch. The table is made in each transaction that finds none: a
 * pooler in front of PostgreSQL may hand each transaction another server session.
 */
export async function stageRecords(tx: PgTransaction, client: pg.PoolClient, rows: readonly (readonly CopyValue[])[]): Promise<void> {
  await tx.execute(sql`create temporary table if not exists ${STAGED_RECORDS} (
    record_id text collate "C" not null, hash text not null, data text not null, deleted boolean not null, last_of_record boolean not null
  ) on commit delete rows`);
  await copyRows(client, 'staged_records', COLUMNS, rows);
}
