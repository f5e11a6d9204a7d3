import { eq, getTableColumns, getTableName, sql, type SQLChunk } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { openReadOnly } from './client.ts';
import { SQLITE_MIGRATIONS } from './migrations-folders.ts';
import { openPostgres, type PgDb } from './pg/client.ts';
import { createOrganisationPartitions } from './pg/partitions.ts';
import { storedText } from './pg/record-data.ts';
import * as target from './pg/schema.ts';
import * as source from './schema.ts';

/** A refusal or a failure the operator can act on, said in one line. */
export class CopyError extends Error {}

type Row = Record<string, unknown>;
type Transaction = Parameters<Parameters<PgDb['transaction']>[0]>[0];

interface TableCopy {
  from: SQLiteTable;
  to: PgTable;
  /** What PostgreSQL keeps differently beyond the column types, which Drizzle converts on both sides. */
  convert?: (rows: Row[], context: CopyContext) => Row[];
  /** Instead of a plain insert of the converted rows; returns the rows written. */
  write?: (tx: Transaction, rows: Row[]) => Promise<number>;
  before?: (tx: Transaction) => Promise<void>;
  after?: (tx: Transaction) => Promise<void>;
}

interface CopyContext {
  organisationOfSnapshot: Map<string, string>;
}

// Made for the copy and dropped at its end: finds the organisations naming a record version.
const VERSION_LOOKUP = 'copy_to_postgres_version_lookup';

/** PostgreSQL keys snapshots and their records by organisation too: the snapshot's instance's, named by `column`. */
const withOrganisationOfSnapshot =
  (column: 'id' | 'snapshotId') =>
  (rows: Row[], { organisationOfSnapshot }: CopyContext) =>
    rows.map((row) => ({ ...row, organisationId: organisationOfSnapshot.get(row[column] as string) }));

/** Every table of db/schema.ts, in foreign-key order: each after the tables it references. */
export const TABLES: TableCopy[] = [
  { from: source.settings, to: target.settings },
  {
    from: source.organisations,
    to: target.organisations,
    async write(tx, rows) {
      await tx.insert(target.organisations).values(rows as (typeof target.organisations.$inferInsert)[]);
      // Each organisation's partitions of the record tables, before any of its records.
      for (const row of rows) await createOrganisationPartitions(tx, row.id as string);
      return rows.length;
    },
  },
  { from: source.apiKeys, to: target.apiKeys },
  { from: source.organisationKeys, to: target.organisationKeys },
  { from: source.instances, to: target.instances },
  { from: source.grants, to: target.grants },
  { from: source.tokens, to: target.tokens },
  { from: source.oauthStates, to: target.oauthStates },
  { from: source.jobs, to: target.jobs },
  {
    from: source.snapshots,
    to: target.snapshots,
    convert: withOrganisationOfSnapshot('id'),
  },
  { from: source.snapshotObjects, to: target.snapshotObjects },
  {
    from: source.snapshotRecords,
    to: target.snapshotRecords,
    convert: withOrganisationOfSnapshot('snapshotId'),
  },
  {
    // SQLite keeps one version per record and hash; PostgreSQL one per organisation naming it (each
    // in its partition). A version no snapshot names any more is never read, and has no organisation: it is left out.
    from: source.recordVersions,
    to: target.recordVersions,
    before: async (tx) => void (await tx.execute(sql.raw(`create index ${VERSION_LOOKUP} on snapshot_records (record_id, version_hash)`))),
    after: async (tx) => void (await tx.execute(sql.raw(`drop index ${VERSION_LOOKUP}`))),
    async write(tx, rows) {
      const texts = (values: unknown[]) => sql`${sql.param(values)}::text[]`;
      const written = await tx.execute(sql`insert into record_versions (organisation_id, record_id, hash, data)
        select o.organisation_id, v.record_id, v.hash, v.data
        from unnest(${texts(rows.map((row) => row.recordId))}, ${texts(rows.map((row) => row.hash))}, ${texts(rows.map((row) => storedText(row.data as Buffer | string)))}) as v(record_id, hash, data)
        cross join lateral (select distinct r.organisation_id from snapshot_records r where r.record_id = v.record_id and r.version_hash = v.hash) o`);
      return written.rowCount ?? 0;
    },
  },
  { from: source.jobFailures, to: target.jobFailures },
  { from: source.restoredRecords, to: target.restoredRecords },
  { from: source.restoreIntents, to: target.restoreIntents },
  { from: source.backupPolicies, to: target.backupPolicies },
  { from: source.scheduledRuns, to: target.scheduledRuns },
  { from: source.retentionPolicies, to: target.retentionPolicies },
  { from: source.snapshotChangeSets, to: target.snapshotChangeSets },
  { from: source.snapshotChanges, to: target.snapshotChanges },
  { from: source.dataAlertThresholds, to: target.dataAlertThresholds },
  { from: source.dataAlerts, to: target.dataAlerts },
  { from: source.auditEntries, to: target.auditEntries },
];

/** Rows read from SQLite, and written to PostgreSQL (record versions can differ: see TABLES). */
export interface CopiedTable {
  table: string;
  read: number;
  written: number;
}

// Well under PostgreSQL's 65,535 bind parameters per statement, and a few megabytes of records.
const PAGE_ROWS = 1000;
const MAX_PARAMETERS = 30_000;

type SourceDb = ReturnType<typeof openReadOnly>;

/** The table's primary key, the order its pages are read in. */
function keyOf(table: SQLiteTable): { column: SQLiteColumn; key: string }[] {
  const config = getTableConfig(table);
  const columns = config.primaryKeys[0]?.columns ?? config.columns.filter((column) => column.primary);
  const keys = Object.entries(getTableColumns(table));
  return columns.map((column) => ({ column, key: keys.find(([, candidate]) => candidate === column)![0] }));
}

/** The table's rows a page at a time, in key order after the last row read: never the whole table in memory. */
function* pagesOf(db: SourceDb['db'], table: SQLiteTable): Generator<Row[]> {
  const key = keyOf(table);
  const rowsPerPage = Math.min(PAGE_ROWS, Math.floor(MAX_PARAMETERS / Object.keys(getTableColumns(table)).length));
  let after: Row | undefined;
  for (;;) {
    const list = (parts: SQLChunk[]) => sql.join(parts, sql`, `);
    const where = after && sql`(${list(key.map(({ column }) => sql`${column}`))}) > (${list(key.map(({ column, key: name }) => sql.param(after![name], column)))})`;
    const rows = db
      .select()
      .from(table)
      .where(where)
      .orderBy(...key.map(({ column }) => column))
      .limit(rowsPerPage)
      .all() as Row[];
    if (rows.length > 0) yield rows;
    if (rows.length < rowsPerPage) return;
    after = rows.at(-1);
  }
}

/** Refuses a file of another version of the service: its tables would not be the ones copied. */
function checkSchemaVersion(sqlite: SourceDb['sqlite']) {
  const expected = readMigrationFiles({ migrationsFolder: SQLITE_MIGRATIONS }).at(-1)!.folderMillis;
  let applied: number | null;
  try {
    applied = (sqlite.prepare('select max(created_at) as applied from __drizzle_migrations').get() as { applied: number | null }).applied;
  } catch {
    throw new CopyError('The file is not a database of this service (it has no migrations table)');
  }
  if (applied === null || applied < expected) {
    throw new CopyError('The SQLite database is from an older version of the service: start this version on it once (it migrates at start), stop it, then copy');
  }
  if (applied > expected) throw new CopyError('The SQLite database is from a newer version of the service than this one: copy with that version');
}

/** A job held by a live worker means the service still writes to the file. */
function refuseRunningService(sqlite: SourceDb['sqlite']) {
  const running = sqlite.prepare("select id from jobs where status = 'RUNNING' and lease_expires_at > ?").get(Date.now()) as { id: string } | undefined;
  if (running) throw new CopyError(`Job ${running.id} is running with a live lease: stop the service before copying`);
}

/** The tables of `TABLES` on the target already holding rows; tables not made yet hold none. */
async function tablesHoldingRows(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const holding: string[] = [];
    for (const { to } of TABLES) {
      const name = getTableName(to);
      const { rows } = await client.query<{ present: boolean }>('select to_regclass($1) is not null as present', [name]);
      if (rows[0].present && (await client.query(`select 1 from "${name}" limit 1`)).rowCount) holding.push(name);
    }
    return holding;
  } finally {
    await client.end();
  }
}

/** Sets every sequence of the target's tables (the audit log's and job failures' ids) past the largest id copied. */
async function advanceSequences(tx: Transaction) {
  const { rows } = await tx.execute<{ table_name: string; column_name: string; sequence: string }>(sql`
    select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as sequence
    from information_schema.columns
    where table_schema = current_schema() and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`);
  for (const { table_name: table, column_name: column, sequence } of rows) {
    await tx.execute(sql`select setval(${sequence}, coalesce((select max(${sql.identifier(column)}) from ${sql.identifier(table)}), 0) + 1, false)`);
  }
}

async function copyTable(db: SourceDb['db'], tx: Transaction, table: TableCopy, context: CopyContext): Promise<CopiedTable> {
  const copied = { table: getTableName(table.from), read: 0, written: 0 };
  await table.before?.(tx);
  for (const page of pagesOf(db, table.from)) {
    const rows = table.convert ? table.convert(page, context) : page;
    copied.read += page.length;
    if (table.write) copied.written += await table.write(tx, rows);
    else copied.written += (await tx.insert(table.to).values(rows)).rowCount ?? 0;
  }
  await table.after?.(tx);
  return copied;
}

/**
 * Copies every table of the SQLite file `from` into the PostgreSQL database `to`, which must hold
 * no rows: it is migrated as the service migrates it, then filled in one transaction from one read
 * transaction of the file, so a failed copy leaves it empty. The service must be stopped.
 */
export async function copyToPostgres(from: string, to: string): Promise<CopiedTable[]> {
  let file: SourceDb;
  try {
    file = openReadOnly(from);
  } catch (error) {
    throw new CopyError(`Cannot open the SQLite file ${from}: ${(error as Error).message}`);
  }
  try {
    checkSchemaVersion(file.sqlite);
    refuseRunningService(file.sqlite);
    // Checked before migrating, so a refused target is left exactly as it was.
    const holding = await tablesHoldingRows(to);
    if (holding.length > 0) throw new CopyError(`The PostgreSQL database already holds data (in ${holding.join(', ')}): copy into a new, empty database`);
    const postgres = await openPostgres(to);
    try {
      file.sqlite.exec('begin');
      try {
        const snapshotOrganisations = file.db
          .select({ snapshotId: source.snapshots.id, organisationId: source.instances.organisationId })
          .from(source.snapshots)
          .innerJoin(source.instances, eq(source.instances.id, source.snapshots.instanceId))
          .all();
        const context = { organisationOfSnapshot: new Map(snapshotOrganisations.map((row) => [row.snapshotId, row.organisationId])) };
        return await postgres.db.transaction(async (tx) => {
          const copied: CopiedTable[] = [];
          for (const table of TABLES) copied.push(await copyTable(file.db, tx, table, context));
          await advanceSequences(tx);
          return copied;
        });
      } finally {
        file.sqlite.exec('rollback');
      }
    } finally {
      await postgres.close();
    }
  } finally {
    file.close();
  }
}
