import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNotNull, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import { newestVersionsPage, type ReadSlice } from '../newest-version-pages.ts';
import { PURGED, type NewestVersion, type SnapshotStore } from '../snapshot-store.ts';
import { transactionOnConnection, type PgDb } from './client.ts';
import { bytesOfStoredText, storedText } from './record-data.ts';
import { instances, jobs, snapshotObjects, snapshotRecords, snapshots } from './schema.ts';
import { STAGED_RECORDS, stageRecords } from './staged-records.ts';
import { storingVersions } from './version-locks.ts';
import { anyOf } from './any-of.ts';



// Snapshots whose organisation is known: every query of the record tables names it, so that it
// reads the organisation's partition alone.
const KEPT_ORGANISATIONS = 1000;

/**
 * Snapshots on PostgreSQL. The newest row of each record along a chain is the first of its rows by
 * sequence, newest first (`DISTINCT ON`); record tables are partitioned by organisation.
 */
export function postgresSnapshotStore(db: PgDb): SnapshotStore {
  const organisationsOfSnapshots = new Map<string, string>();

  async function organisationOfSnapshot(snapshotId: string): Promise<string> {
    let organisationId = organisationsOfSnapshots.get(snapshotId);
    if (organisationId === undefined) {
      const [row] = await db.select({ organisationId: snapshots.organisationId }).from(snapshots).where(eq(snapshots.id, snapshotId));
      if (!row) throw new Error(`No snapshot ${snapshotId}`);
      organisationId = row.organisationId;
      if (organisationsOfSnapshots.size >= KEPT_ORGANISATIONS) organisationsOfSnapshots.clear();
      organisationsOfSnapshots.set(snapshotId, organisationId);
    }
    return organisationId;
  }

  /** The newest row of each record of one object along the chain (`n`: record_id, deleted, version_hash), purged ones included. */
  async function newestRows(chain: string[], object: string, filter?: SQL) {
    const organisationId = await organisationOfSnapshot(chain[0]);
    const rows = sql`select distinct on (r.record_id) r.record_id, r.deleted, r.version_hash
      from snapshot_records r join snapshots s on s.id = r.snapshot_id
      where r.organisation_id = ${organisationId} and ${anyOf(sql`r.snapshot_id`, chain)} and r.object = ${object}${filter ? sql` and ${filter}` : sql``}
      order by r.record_id, s.sequence desc`;
    return { organisationId, rows };
  }

  /** The versions of the rows `n` (record_id, deleted, version_hash), purged ones left out, in id order. */
  async function versionsOf(organisationId: string, rows: SQL): Promise<NewestVersion[]> {
    const { rows: found } = await db.execute<{ record_id: string; deleted: boolean; data: string }>(sql`select n.record_id, n.deleted, v.data
      from (${rows}) n join record_versions v on v.organisation_id = ${organisationId} and v.record_id = n.record_id and v.hash = n.version_hash
      where n.version_hash <> ${PURGED}
      order by n.record_id`);
    return found.map((row) => ({ recordId: row.record_id, deleted: row.deleted, data: bytesOfStoredText(row.data) }));
  }

  /**
   * The first `size` rows (`columns` of `r`) of one object after an id in each snapshot of the
   * chain, as `p` beside its snapshot `s`. Each is a range of its key's index, and together they
   * hold the chain's first `size` records: no page sorts the whole object.
   */
  const firstRowsOfEachSnapshot = (organisationId: string, chain: readonly string[], object: string, after: string | undefined, size: number, columns: SQL) =>
    sql`snapshots s cross join lateral (
        select ${columns} from snapshot_records r
        where r.organisation_id = ${organisationId} and r.snapshot_id = s.id and r.object = ${object}${after === undefined ? sql`` : sql` and r.record_id > ${after}`}
        order by r.record_id limit ${size}) p
      where ${anyOf(sql`s.id`, chain)}`;

  /** The first `size` records after an id along the chain, each with its newest row and version (purged ones have none). */
  const slice: ReadSlice = async (chain, object, after, size) => {
    const organisationId = await organisationOfSnapshot(chain[0]);
    const { rows } = await db.execute<{ record_id: string; deleted: boolean; data: string | null }>(sql`with n as (
        select distinct on (p.record_id) p.record_id, p.deleted, p.version_hash
        from ${firstRowsOfEachSnapshot(organisationId, chain, object, after, size, sql`r.record_id, r.deleted, r.version_hash`)}
        order by p.record_id, s.sequence desc limit ${size})
      select n.record_id, n.deleted, v.data from n
      left join record_versions v on n.version_hash <> ${PURGED} and v.organisation_id = ${organisationId} and v.record_id = n.record_id and v.hash = n.version_hash
      order by n.record_id`);
    const versions = rows.flatMap((row) => (row.data === null ? [] : [{ recordId: row.record_id, deleted: row.deleted, data: bytesOfStoredText(row.data) }]));
    return { versions, covered: rows.length, last: rows.at(-1)?.record_id };
  };


  return {
    begin: (instanceId, jobId, baseSnapshotId) =>
      db.transaction(async (tx) => {
        // The instance's row, locked, keeps its sequence to one snapshot at a time.
        const [{ organisationId }] = await tx.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, instanceId)).for('update');
        const [last] = await tx
          .select({ sequence: sql<number>`coalesce(max(${snapshots.sequence}), 0)::int` })
          .from(snapshots)
          .where(eq(snapshots.instanceId, instanceId));
        const [snapshot] = await tx
          .insert(snapshots)
          .values({ id: randomUUID(), instanceId, organisationId, jobId, baseSnapshotId, sequence: last.sequence + 1 })
          .returning();
        return snapshot;
      }),

    async writeRecords(snapshotId, object, rows) {
      if (rows.length === 0) return 0;
      const organisationId = await organisationOfSnapshot(snapshotId);
      // A record read twice in one batch keeps its last row, as the SQLite upsert leaves it.
      const lastOfRecord = new Map(rows.map((row, i) => [row.recordId, i]));
      const staged = rows.map((row, i) => [row.recordId, row.hash, storedText(row.data), row.deleted, lastOfRecord.get(row.recordId) === i]);
      return transactionOnConnection(db, async (tx, client) => {
        await storingVersions(tx, organisationId);
        await stageRecords(tx, client, staged);
        // Backups of two instances of one org insert the same versions at once: taken in key order,
        // their waits on each other's keys cannot form a cycle (a deadlock would fail one of them).
        const added = await tx.execute(sql`insert into record_versions (organisation_id, record_id, hash, data)
          select ${organisationId}, record_id, hash, data from ${STAGED_RECORDS} order by record_id, hash
          on conflict do nothing`);
        await tx.execute(sql`insert into snapshot_records (organisation_id, snapshot_id, object, record_id, version_hash, deleted)
          select ${organisationId}, ${snapshotId}, ${object}, record_id, hash, deleted from ${STAGED_RECORDS} where last_of_record
          on conflict (organisation_id, snapshot_id, object, record_id) do update set version_hash = excluded.version_hash, deleted = excluded.deleted`);
        return added.rowCount ?? 0;
      });
    },

    async discardObject(snapshotId, object) {
      const organisationId = await organisationOfSnapshot(snapshotId);
      await db
        .delete(snapshotRecords)
        .where(and(eq(snapshotRecords.organisationId, organisationId), eq(snapshotRecords.snapshotId, snapshotId), eq(snapshotRecords.object, object)));
    },

    async complete(snapshotId, objects) {
      await db.transaction(async (tx) => {
        if (objects.length > 0) await tx.insert(snapshotObjects).values(objects);
        await tx.update(snapshots).set({ completedAt: new Date() }).where(eq(snapshots.id, snapshotId));
      });
    },

    async discardUnfinishedOf(jobId) {
      await db.delete(snapshots).where(and(eq(snapshots.jobId, jobId), isNull(snapshots.completedAt)));
    },

    async discardIncomplete() {
      const running = db.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, 'RUNNING'));
      const dropped = await db
        .delete(snapshots)
        .where(and(isNull(snapshots.completedAt), notInArray(snapshots.jobId, running)))
        .returning({ id: snapshots.id });
      return dropped.length;
    },

    find: async (id) => (await db.select().from(snapshots).where(and(eq(snapshots.id, id), isNotNull(snapshots.completedAt))))[0],
    byId: async (id) => (await db.select().from(snapshots).where(eq(snapshots.id, id)))[0],
    latestComplete: async (instanceId) =>
      (
        await db
          .select()
          .from(snapshots)
          .where(and(eq(snapshots.instanceId, instanceId), isNotNull(snapshots.completedAt)))
          .orderBy(desc(snapshots.sequence))
          .limit(1)
      )[0],

    async chainOf(snapshot) {
      const chain = [snapshot.id];
      let baseId = snapshot.baseSnapshotId;
      while (baseId) {
        const [base] = await db.select({ id: snapshots.id, baseSnapshotId: snapshots.baseSnapshotId }).from(snapshots).where(eq(snapshots.id, baseId));
        if (!base) break;
        chain.push(base.id);
        baseId = base.baseSnapshotId;
      }
      return chain;
    },

    objectsOf: (snapshotIds) =>
      snapshotIds.length === 0
        ? Promise.resolve([])
        : db.select().from(snapshotObjects).where(inArray(snapshotObjects.snapshotId, [...snapshotIds])).orderBy(asc(snapshotObjects.name)),

    async organisationOfInstance(instanceId) {
      const [row] = await db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, instanceId));
      return row.organisationId;
    },

    async ownRows(snapshotId, object) {
      const organisationId = await organisationOfSnapshot(snapshotId);
      return db
        .select({ recordId: snapshotRecords.recordId, deleted: snapshotRecords.deleted, versionHash: snapshotRecords.versionHash })
        .from(snapshotRecords)
        .where(and(eq(snapshotRecords.organisationId, organisationId), eq(snapshotRecords.snapshotId, snapshotId), eq(snapshotRecords.object, object)));
    },

    async countAlong(chain, object) {
      const { rows } = await newestRows(chain, object);
      const { rows: counted } = await db.execute<{ total: number; deleted: number }>(sql`select count(*)::int as total, (count(*) filter (where n.deleted))::int as deleted
        from (${rows}) n where n.version_hash <> ${PURGED}`);
      return counted[0];
    },

    async newestVersions(chain, object, page = {}) {
      if (page.limit !== undefined) return newestVersionsPage(slice, chain, object, { ...page, limit: page.limit });
      const { organisationId, rows } = await newestRows(chain, object, page.after === undefined ? undefined : sql`r.record_id > ${page.after}`);
      return versionsOf(organisationId, rows);
    },

    versionReader: (chain, object) => async (recordIds) => {
      const { organisationId, rows } = await newestRows(chain, object, anyOf(sql`r.record_id`, recordIds));
      return versionsOf(organisationId, rows);
    },

    async heldStates(chain, object, which) {
      const organisationId = await organisationOfSnapshot(chain[0]);
      const onceDeleted = sql`r.record_id in (select d.record_id from snapshot_records d
        where d.organisation_id = ${organisationId} and ${anyOf(sql`d.snapshot_id`, chain)} and d.object = ${object} and d.deleted)`;
      const { rows } = await newestRows(chain, object, which === 'onceDeleted' ? onceDeleted : which ? anyOf(sql`r.record_id`, which) : undefined);
      const { rows: held } = await db.execute<{ record_id: string; deleted: boolean }>(sql`select n.record_id, n.deleted from (${rows}) n
        where n.version_hash <> ${PURGED} order by n.record_id`);
      return new Map(held.map((row) => [row.record_id, row.deleted]));
    },

    async recordIdPage(chain, object, after, size) {
      // An export asks for the pages of a full snapshot's bases: none.
      if (chain.length === 0) return [];
      const organisationId = await organisationOfSnapshot(chain[0]);
      const { rows } = await db.execute<{ record_id: string }>(sql`select distinct p.record_id
        from ${firstRowsOfEachSnapshot(organisationId, chain, object, after, size, sql`r.record_id`)}
        order by 1 limit ${size}`);
      return rows.map((row) => row.record_id);
    },

    async missingRecordIds(chain, objects, recordIds) {
      const organisationId = await organisationOfSnapshot(chain[0]);
      const { rows } = await db.execute<{ record_id: string }>(sql`select distinct r.record_id from snapshot_records r
        where r.organisation_id = ${organisationId} and ${anyOf(sql`r.snapshot_id`, chain)} and ${anyOf(sql`r.object`, objects)} and ${anyOf(sql`r.record_id`, recordIds)}`);
      const found = new Set(rows.map((row) => row.record_id));
      return recordIds.filter((id) => !found.has(id));
    },
  };
}
