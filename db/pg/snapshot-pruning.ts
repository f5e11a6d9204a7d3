import { and, asc, desc, eq, inArray, isNotNull, ne, sql, type SQL } from 'drizzle-orm';
import type { SnapshotPruning } from '../snapshot-pruning.ts';
import type { PgDb } from './client.ts';
import { jobs, recordVersions, snapshotRecords, snapshots } from './schema.ts';
import { deletingVersions } from './version-locks.ts';

interface SnapshotLink {
  id: string;
  organisationId: string;
  baseSnapshotId: string | null;
}

/**
 * Deletes a snapshot's rows by its organisation and id, which keeps the statement to the
 * organisation's partition (a delete by snapshot id alone would look in every organisation's), and
 * with them the record versions no other snapshot of the organisation names: versions are the
 * organisation's own, in its partition. `sharing` lists the organisation's other snapshots, so
 * each check is a lookup of the whole primary key per snapshot.
 */
export function snapshotRowsDeletion(organisationId: string, snapshotId: string, sharing: string[]): SQL {
  return sql`
    with gone as (
      delete from ${snapshotRecords}
      where ${snapshotRecords.organisationId} = ${organisationId} and ${snapshotRecords.snapshotId} = ${snapshotId}
      returning object, record_id, version_hash
    )
    delete from ${recordVersions} v using gone
    where v.organisation_id = ${organisationId} and v.record_id = gone.record_id and v.hash = gone.version_hash
      and not exists (
        select 1 from unnest(${sql.param(sharing)}::text[]) as sharing (id)
        join ${snapshotRecords} other on other.organisation_id = ${organisationId} and other.snapshot_id = sharing.id
          and other.object = gone.object and other.record_id = gone.record_id
        where other.version_hash = gone.version_hash
      )`;
}

/**
 * Pruning on PostgreSQL. Every statement names the organisation, so it stays within the
 * organisation's partitions of the record tables; each step is a transaction, so a snapshot is
 * folded into its successor, or deleted, whole or not at all. Space freed is reused by
 * autovacuum: nothing here vacuums.
 */
export function postgresSnapshotPruning(db: PgDb): SnapshotPruning {
  const link = { id: snapshots.id, organisationId: snapshots.organisationId, baseSnapshotId: snapshots.baseSnapshotId };
  const linked = (where: SQL) => db.select(link).from(snapshots).where(where);
  const size = async () => Number((await db.execute<{ bytes: string }>(sql`select pg_database_size(current_database()) as bytes`)).rows[0].bytes);

  /** Copies the rows of `pruned` that `successor` does not hold itself, then gives the successor its base. */
  const foldInto = (pruned: SnapshotLink, successor: SnapshotLink) =>
    db.transaction(async (tx) => {
      const { organisationId } = pruned;
      await tx.execute(sql`
        insert into ${snapshotRecords} (organisation_id, snapshot_id, object, record_id, version_hash, deleted)
        select organisation_id, ${successor.id}, object, record_id, version_hash, deleted from ${snapshotRecords}
        where organisation_id = ${organisationId} and snapshot_id = ${pruned.id}
        on conflict do nothing`);
      await tx
        .update(snapshots)
        .set({ baseSnapshotId: pruned.baseSnapshotId })
        .where(and(eq(snapshots.id, successor.id), eq(snapshots.baseSnapshotId, pruned.id)));
      await tx.update(snapshots).set({ completedAt: null }).where(eq(snapshots.id, pruned.id));
      // Once a snapshot has no base, its markers of records purged since that base mean nothing.
      if (pruned.baseSnapshotId === null) {
        await tx
          .delete(snapshotRecords)
          .where(and(eq(snapshotRecords.organisationId, organisationId), eq(snapshotRecords.snapshotId, successor.id), eq(snapshotRecords.versionHash, 'purged')));
      }
    });

  /** Deletes the snapshot's rows within its organisation's partition, its versions no other snapshot names, then the snapshot. */
  const remove = (snapshot: SnapshotLink) =>
    db.transaction(async (tx) => {
      await deletingVersions(tx, snapshot.organisationId);
      const sharing = await tx
        .select({ id: snapshots.id })
        .from(snapshots)
        .where(and(eq(snapshots.organisationId, snapshot.organisationId), ne(snapshots.id, snapshot.id)));
      const deleted = await tx.execute(snapshotRowsDeletion(snapshot.organisationId, snapshot.id, sharing.map((row) => row.id)));
      await tx.delete(snapshots).where(eq(snapshots.id, snapshot.id));
      return deleted.rowCount ?? 0;
    });

  return {
    completeSnapshots: (instanceId) =>
      db
        .select()
        .from(snapshots)
        .where(and(eq(snapshots.instanceId, instanceId), isNotNull(snapshots.completedAt)))
        .orderBy(asc(snapshots.sequence)),

    async pinnedSnapshots(instanceId) {
      const rows = await db
        .select({ snapshotId: jobs.snapshotId })
        .from(jobs)
        .where(and(eq(jobs.instanceId, instanceId), eq(jobs.kind, 'RESTORE'), inArray(jobs.status, ['QUEUED', 'RUNNING'])));
      return rows.flatMap((row) => (row.snapshotId ? [row.snapshotId] : []));
    },

    async snapshotIdsNewestFirst(instanceId) {
      const rows = await db.select({ id: snapshots.id }).from(snapshots).where(eq(snapshots.instanceId, instanceId)).orderBy(desc(snapshots.sequence));
      return rows.map((row) => row.id);
    },

    async prune(snapshotIds) {
      let recordVersionsDeleted = 0;
      for (const id of snapshotIds) {
        const [snapshot] = await linked(eq(snapshots.id, id));
        if (!snapshot) continue;
        for (const successor of await linked(eq(snapshots.baseSnapshotId, id))) await foldInto(snapshot, successor);
        recordVersionsDeleted += await remove(snapshot);
      }
      const bytes = await size();
      return { recordVersionsDeleted, bytesBefore: bytes, bytesAfter: bytes };
    },
  };
}
