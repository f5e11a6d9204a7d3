import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { openDatabase } from '../../db/client.ts';
import { openPostgres } from '../../db/pg/client.ts';
import * as pgTables from '../../db/pg/schema.ts';
import type { BackupPolicyRow, InstanceRow, JobRow, ScheduledRunRow, SnapshotRow } from '../../db/schema.ts';
import * as sqliteTables from '../../db/schema.ts';
import { promised } from '../../db/sqlite/promised.ts';
import { openTestPostgres } from './postgres.ts';
import type { Store } from '../../db/store.ts';
import { sqliteStore } from '../../db/sqlite/store.ts';
import { postgresStore } from '../../db/pg/store.ts';
import { storedText } from '../../db/pg/record-data.ts';

/** Rows the tests set up and read back beside the store, written directly in each engine. */
interface Rows {
  addSnapshot(jobId: string, instanceId: string, completed: boolean, sequence?: number): Promise<string>;
  addSnapshotObject(snapshotId: string, name: string): Promise<void>;
  instance(id: string): Promise<InstanceRow | undefined>;
  job(id: string): Promise<JobRow>;
  snapshotIds(): Promise<string[]>;
  failureCount(jobId: string): Promise<number>;
  addPolicy(instanceId: string, nextRunAt: Date): Promise<void>;
  policy(instanceId: string): Promise<BackupPolicyRow>;
  disablePolicy(instanceId: string): Promise<void>;
  runs(instanceId: string): Promise<ScheduledRunRow[]>;
  /** A snapshot with its records, their versions and its objects (counting the records whose data names a file), as a backup stores them. */
  storeSnapshot(snapshot: StoredSnapshot, records: StoredRecord[]): Promise<void>;
  snapshot(id: string): Promise<SnapshotRow | undefined>;
  /** A snapshot's records, as object, record id and version hash. */
  snapshotRecords(snapshotId: string): Promise<string[]>;
  /** The record versions stored, as record id and hash, every organisation's. */
  versions(): Promise<string[]>;
  close(): Promise<void>;
}

export type StoredSnapshot = Pick<SnapshotRow, 'id' | 'jobId' | 'instanceId' | 'baseSnapshotId' | 'sequence' | 'createdAt' | 'completedAt'>;
export interface StoredRecord {
  object: string;
  recordId: string;
  hash: string;
  data: string;
  deleted?: boolean;
}

const objectRows = (snapshotId: string, records: StoredRecord[]) =>
  [...new Set(records.map((record) => record.object))].map((name) => {
    const held = records.filter((record) => record.object === name);
    return { snapshotId, name, recordCount: held.length, deletedCount: 0, blobCount: held.filter((record) => record.data.includes('"blob"')).length };
  });
const recordRows = (snapshotId: string, records: StoredRecord[]) =>
  records.map((record) => ({ snapshotId, object: record.object, recordId: record.recordId, versionHash: record.hash, deleted: record.deleted ?? false }));
const versionRows = (records: StoredRecord[]) => records.filter((record) => record.hash !== 'purged').map((record) => ({ recordId: record.recordId, hash: record.hash, data: record.data }));

/** One connection (SQLite) or pool (PostgreSQL) to a test database, with the pieces each engine implements. */
export interface EngineConnection extends Store, Rows {
  /** An instance of a new organisation, or of the one named, added through the store. */
  addInstance(tokenLimit: number, organisationId?: string): Promise<InstanceRow>;
  /** A job queued through the store. */
  queueJob(instance: InstanceRow, queuedAt: Date): Promise<JobRow>;
}

export interface TestEngine {
  name: string;
  /** A fresh, migrated database. */
  open(): Promise<TestDatabase>;
}

export interface TestDatabase extends EngineConnection {
  /** PostgreSQL's: the schema holding the database, for processes of a test's own to connect to. */
  schema?: string;
  /** SQLite's: the database file, for connections of a test's own to open. */
  file?: string;
  /** Another connection to the same database, as another process would hold. */
  connectAgain(): Promise<EngineConnection>;
}

const instanceValues = (organisationId: string, tokenLimit: number) => ({
  id: randomUUID(),
  organisationId,
  environment: 'PRODUCTION' as const,
  name: `Instance ${randomUUID()}`,
  loginUrl: 'https://login.example',
  tokenLimit,
});
const jobValues = (instance: InstanceRow, queuedAt: Date) => ({ id: randomUUID(), organisationId: instance.organisationId, instanceId: instance.id, kind: 'BACKUP' as const, queuedAt });
const policyValues = (instanceId: string, nextRunAt: Date) => ({ instanceId, frequency: 'EVERY_24_HOURS' as const, enabled: true, anchorAt: nextRunAt, nextRunAt, updatedAt: nextRunAt });
const snapshotValues = (jobId: string, instanceId: string, completed: boolean, sequence = 1) => ({ id: randomUUID(), jobId, instanceId, sequence, completedAt: completed ? new Date() : null });
const snapshotObjectValues = (snapshotId: string, name: string) => ({ snapshotId, name, recordCount: 1, deletedCount: 0 });

/** The setup both engines share, made through the store as the services make it. */
function connection(store: Store, rows: Rows): EngineConnection {
  return {
    ...store,
    ...rows,
    async addInstance(tokenLimit, organisationId) {
      if (!organisationId) {
        const organisation = await store.organisations.create(randomUUID(), randomUUID());
        if ('refused' in organisation) throw new Error('The organisation could not be made');
        organisationId = organisation.id;
      }
      const instance = await store.instances.add(instanceValues(organisationId, tokenLimit), Number.MAX_SAFE_INTEGER);
      if ('refused' in instance) throw new Error(`The instance could not be added: ${instance.refused}`);
      return instance;
    },
    queueJob: (instance, queuedAt) => store.claims.enqueue(jobValues(instance, queuedAt)),
  };
}

const sqlite: TestEngine = {
  name: 'SQLite',
  open: promised(() => {
    const dir = mkdtempSync(join(tmpdir(), 'sfbackup-engine-'));
    const file = join(dir, 'backup.db');
    const connect = (): EngineConnection => {
      const database = openDatabase(file);
      const { db, close } = database;
      const { instances, jobs, jobFailures, snapshots, backupPolicies, scheduledRuns, snapshotObjects, snapshotRecords, recordVersions } = sqliteTables;
      return connection(sqliteStore(database), {
        addSnapshot: promised((jobId: string, instanceId: string, completed: boolean, sequence?: number) => db.insert(snapshots).values(snapshotValues(jobId, instanceId, completed, sequence)).returning().get().id),
        addSnapshotObject: promised((snapshotId: string, name: string) => void db.insert(snapshotObjects).values(snapshotObjectValues(snapshotId, name)).run()),
        instance: promised((id: string) => db.select().from(instances).where(eq(instances.id, id)).get()),
        job: promised((id: string) => db.select().from(jobs).where(eq(jobs.id, id)).get()!),
        snapshotIds: promised(() => db.select({ id: snapshots.id }).from(snapshots).all().map((row) => row.id)),
        failureCount: promised((jobId: string) => db.select({ n: count() }).from(jobFailures).where(eq(jobFailures.jobId, jobId)).get()!.n),
        addPolicy: promised((instanceId: string, nextRunAt: Date) => void db.insert(backupPolicies).values(policyValues(instanceId, nextRunAt)).run()),
        policy: promised((instanceId: string) => db.select().from(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)).get()!),
        disablePolicy: promised((instanceId: string) => void db.update(backupPolicies).set({ enabled: false }).where(eq(backupPolicies.instanceId, instanceId)).run()),
        runs: promised((instanceId: string) => db.select().from(scheduledRuns).where(eq(scheduledRuns.instanceId, instanceId)).all()),
        storeSnapshot: promised((snapshot: StoredSnapshot, records: StoredRecord[]) => {
          db.insert(snapshots).values(snapshot).run();
          if (records.length === 0) return;
          db.insert(recordVersions).values(versionRows(records)).onConflictDoNothing().run();
          db.insert(snapshotRecords).values(recordRows(snapshot.id, records)).run();
          db.insert(snapshotObjects).values(objectRows(snapshot.id, records)).run();
        }),
        snapshot: promised((id: string) => db.select().from(snapshots).where(eq(snapshots.id, id)).get()),
        snapshotRecords: promised((snapshotId: string) =>
          db.select().from(snapshotRecords).where(eq(snapshotRecords.snapshotId, snapshotId)).all().map((row) => `${row.object}/${row.recordId}/${row.versionHash}`).sort(),
        ),
        versions: promised(() => db.select().from(recordVersions).all().map((row) => `${row.recordId}/${row.hash}`).sort()),
        close: promised(close),
      });
    };
    const connections = [connect()];
    return {
      ...connections[0],
      file,
      connectAgain: promised(() => connections[connections.push(connect()) - 1]),
      close: async () => {
        await Promise.all(connections.map((connection) => connection.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }),
};

const postgres: TestEngine = {
  name: 'PostgreSQL',
  async open() {
    const database = await openTestPostgres();
    const connect = (handle: { db: typeof database.db; close(): Promise<void> }): EngineConnection => {
      const { db } = handle;
      const { instances, jobs, jobFailures, snapshots, backupPolicies, scheduledRuns, snapshotObjects, snapshotRecords, recordVersions } = pgTables;
      return connection(postgresStore(db), {
        async addSnapshot(jobId, instanceId, completed, sequence) {
          const [{ organisationId }] = await db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, instanceId));
          return (await db.insert(snapshots).values({ ...snapshotValues(jobId, instanceId, completed, sequence), organisationId }).returning())[0].id;
        },
        async addSnapshotObject(snapshotId, name) {
          await db.insert(snapshotObjects).values(snapshotObjectValues(snapshotId, name));
        },
        instance: async (id) => (await db.select().from(instances).where(eq(instances.id, id)))[0],
        job: async (id) => (await db.select().from(jobs).where(eq(jobs.id, id)))[0],
        snapshotIds: async () => (await db.select({ id: snapshots.id }).from(snapshots)).map((row) => row.id),
        failureCount: async (jobId) => (await db.select({ n: count() }).from(jobFailures).where(eq(jobFailures.jobId, jobId)))[0].n,
        async addPolicy(instanceId, nextRunAt) {
          await db.insert(backupPolicies).values(policyValues(instanceId, nextRunAt));
        },
        policy: async (instanceId) => (await db.select().from(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)))[0],
        async disablePolicy(instanceId) {
          await db.update(backupPolicies).set({ enabled: false }).where(eq(backupPolicies.instanceId, instanceId));
        },
        runs: (instanceId) => db.select().from(scheduledRuns).where(eq(scheduledRuns.instanceId, instanceId)),
        async storeSnapshot(snapshot, records) {
          const [{ organisationId }] = await db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, snapshot.instanceId));
          await db.insert(snapshots).values({ ...snapshot, organisationId });
          if (records.length === 0) return;
          // Contents as the PostgreSQL store keeps them: bytes, as base64 text.
          await db.insert(recordVersions).values(versionRows(records).map((row) => ({ organisationId, ...row, data: storedText(Buffer.from(row.data)) }))).onConflictDoNothing();
          await db.insert(snapshotRecords).values(recordRows(snapshot.id, records).map((row) => ({ organisationId, ...row })));
          await db.insert(snapshotObjects).values(objectRows(snapshot.id, records));
        },
        snapshot: async (id) => (await db.select().from(snapshots).where(eq(snapshots.id, id)))[0],
        snapshotRecords: async (snapshotId) =>
          (await db.select().from(snapshotRecords).where(eq(snapshotRecords.snapshotId, snapshotId))).map((row) => `${row.object}/${row.recordId}/${row.versionHash}`).sort(),
        versions: async () => (await db.select().from(recordVersions)).map((row) => `${row.recordId}/${row.hash}`).sort(),
        close: () => handle.close(),
      });
    };
    const others: EngineConnection[] = [];
    return {
      ...connect(database),
      schema: database.schema,
      connectAgain: async () => {
        const other = connect(await openPostgres(process.env.TEST_DATABASE_URL!, { schema: database.schema }));
        others.push(other);
        return other;
      },
      close: async () => {
        await Promise.all(others.map((other) => other.close()));
        await database.drop();
      },
    };
  },
};

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server (global-setup.ts says when it does not). */
export const ENGINES: TestEngine[] = process.env.TEST_DATABASE_URL ? [sqlite, postgres] : [sqlite];
