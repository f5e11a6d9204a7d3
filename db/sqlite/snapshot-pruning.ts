import { statSync } from 'node:fs';
import { and, asc, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.ts';
import { jobs, snapshots } from '../schema.ts';
import type { PruneOutcome, SnapshotPruning } from '../snapshot-pruning.ts';
import { promised } from './promised.ts';

/** Rows moved, checked or deleted per step; between steps the event loop serves requests. */
const STEP_ROWS = 2000;
/** Pages (16 KB each) given back to the file system per vacuum step. */
const VACUUM_PAGES = 512;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface SnapshotLink {
  id: string;
  instanceId: string;
  baseSnapshotId: string | null;
}

interface MembershipRow {
  object: string;
  record_id: string;
  version_hash: string;
  deleted: number;
}

/**
 * Pruning on SQLite, in bounded steps (each an IMMEDIATE transaction) so the one connection keeps
 * serving requests between them.
 *
 * A crash between steps leaves every snapshot readable: copied rows repeat what the chain
 * already said, and a snapshot whose successor was rebased is first marked incomplete, which the
 * next start-up discards.
 */
export function sqliteSnapshotPruning({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>): SnapshotPruning {
  const linkOf = sqlite.prepare<[string], SnapshotLink>('SELECT id, instance_id AS instanceId, base_snapshot_id AS baseSnapshotId FROM snapshots WHERE id = ?');
  const successorsOf = sqlite.prepare<[string], SnapshotLink>(
    'SELECT id, instance_id AS instanceId, base_snapshot_id AS baseSnapshotId FROM snapshots WHERE base_snapshot_id = ?',
  );
  const rowsAfter = sqlite.prepare<{ snapshotId: string; object: string; recordId: string; limit: number }, MembershipRow>(
    `SELECT object, record_id, version_hash, deleted FROM snapshot_records
     WHERE snapshot_id = @snapshotId AND (object, record_id) > (@object, @recordId)
     ORDER BY object, record_id LIMIT @limit`,
  );
  const copyRow = sqlite.prepare<{ snapshotId: string; object: string; recordId: string; versionHash: string; deleted: number }>(
    `INSERT OR IGNORE INTO snapshot_records (snapshot_id, object, record_id, version_hash, deleted)
     VALUES (@snapshotId, @object, @recordId, @versionHash, @deleted)`,
  );
  const rebase = sqlite.prepare<{ successor: string; base: string | null; pruned: string }>(
    'UPDATE snapshots SET base_snapshot_id = @base WHERE id = @successor AND base_snapshot_id = @pruned',
  );
  const hide = sqlite.prepare<[string]>('UPDATE snapshots SET completed_at = NULL WHERE id = ?');
  // Once a snapshot has no base, its markers of records purged since that base mean nothing.
  const dropPurgedMarkers = sqlite.prepare<[string]>("DELETE FROM snapshot_records WHERE snapshot_id = ? AND version_hash = 'purged'");
  const takeRows = sqlite.prepare<{ snapshotId: string; limit: number }, MembershipRow>(
    'SELECT object, record_id, version_hash, deleted FROM snapshot_records WHERE snapshot_id = @snapshotId LIMIT @limit',
  );
  const deleteRow = sqlite.prepare<[string, string, string]>('DELETE FROM snapshot_records WHERE snapshot_id = ? AND object = ? AND record_id = ?');
  const deleteSnapshot = sqlite.prepare<[string]>('DELETE FROM snapshots WHERE id = ?');
  // Snapshots that may name the same versions: those of every instance connected to the same
  // Salesforce org (record ids are the org's), unfinished ones included.
  const sharingSnapshots = sqlite.prepare<[string, string], { id: string }>(
    `SELECT s.id FROM snapshots s JOIN instances i ON i.id = s.instance_id
     WHERE s.instance_id = ? OR i.salesforce_org_id = (SELECT salesforce_org_id FROM instances WHERE id = ?)`,
  );
  const stillNamed = sqlite.prepare<{ snapshotIds: string; object: string; recordId: string; versionHash: string }, { one: number }>(
    `SELECT 1 AS one FROM snapshot_records
     WHERE snapshot_id IN (SELECT value FROM json_each(@snapshotIds)) AND object = @object AND record_id = @recordId AND version_hash = @versionHash
     LIMIT 1`,
  );
  const deleteVersion = sqlite.prepare<{ recordId: string; hash: string }>('DELETE FROM record_versions WHERE record_id = @recordId AND hash = @hash');

  const immediately = <T>(work: () => T): T => sqlite.transaction(work).immediate();

  /** Copies the rows of `pruned` that `successor` does not hold itself, a step at a time. */
  async function foldInto(pruned: SnapshotLink, successor: SnapshotLink) {
    let after = { object: '', recordId: '' };
    for (;;) {
      const done = immediately(() => {
        const rows = rowsAfter.all({ snapshotId: pruned.id, ...after, limit: STEP_ROWS });
        for (const row of rows) {
          copyRow.run({ snapshotId: successor.id, object: row.object, recordId: row.record_id, versionHash: row.version_hash, deleted: row.deleted });
        }
        if (rows.length > 0) after = { object: rows.at(-1)!.object, recordId: rows.at(-1)!.record_id };
        return rows.length < STEP_ROWS;
      });
      if (done) break;
      await nextTurn();
    }
    immediately(() => {
      rebase.run({ successor: successor.id, base: pruned.baseSnapshotId, pruned: pruned.id });
      hide.run(pruned.id);
      if (pruned.baseSnapshotId === null) dropPurgedMarkers.run(successor.id);
    });
  }

  /** Deletes a snapshot's rows a step at a time, and the versions no other snapshot names. */
  async function deleteRows(snapshot: SnapshotLink, outcome: { recordVersionsDeleted: number }) {
    for (;;) {
      const done = immediately(() => {
        const rows = takeRows.all({ snapshotId: snapshot.id, limit: STEP_ROWS });
        for (const row of rows) deleteRow.run(snapshot.id, row.object, row.record_id);
        const sharing = JSON.stringify(sharingSnapshots.all(snapshot.instanceId, snapshot.instanceId).map((s) => s.id));
        for (const row of rows) {
          const named = stillNamed.get({ snapshotIds: sharing, object: row.object, recordId: row.record_id, versionHash: row.version_hash });
          if (!named) outcome.recordVersionsDeleted += deleteVersion.run({ recordId: row.record_id, hash: row.version_hash }).changes;
        }
        if (rows.length < STEP_ROWS) deleteSnapshot.run(snapshot.id);
        return rows.length < STEP_ROWS;
      });
      if (done) return;
      await nextTurn();
    }
  }

  /**
   * Gives free pages back to the file system (SQLite incremental vacuum), a few megabytes a step,
   * then checkpoints the WAL so the database file itself shrinks (`openDatabase` puts every file
   * into incremental vacuum mode, older ones included).
   */
  async function reclaimSpace(): Promise<Pick<PruneOutcome, 'bytesBefore' | 'bytesAfter'>> {
    const bytesBefore = statSync(sqlite.name).size;
    if (sqlite.pragma('auto_vacuum', { simple: true }) === 2) {
      while ((sqlite.pragma('freelist_count', { simple: true }) as number) > 0) {
        sqlite.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
        await nextTurn();
      }
      sqlite.pragma('wal_checkpoint(PASSIVE)');
    }
    return { bytesBefore, bytesAfter: statSync(sqlite.name).size };
  }

  const completeSnapshots = (instanceId: string) =>
    db
      .select()
      .from(snapshots)
      .where(and(eq(snapshots.instanceId, instanceId), isNotNull(snapshots.completedAt)))
      .orderBy(asc(snapshots.sequence))
      .all();

  const pinnedSnapshots = (instanceId: string) =>
    db
      .select({ snapshotId: jobs.snapshotId })
      .from(jobs)
      .where(and(eq(jobs.instanceId, instanceId), eq(jobs.kind, 'RESTORE'), inArray(jobs.status, ['QUEUED', 'RUNNING'])))
      .all()
      .flatMap((row) => (row.snapshotId ? [row.snapshotId] : []));

  const snapshotIdsNewestFirst = (instanceId: string) =>
    db
      .select({ id: snapshots.id })
      .from(snapshots)
      .where(eq(snapshots.instanceId, instanceId))
      .orderBy(desc(snapshots.sequence))
      .all()
      .map((row) => row.id);

  return {
    completeSnapshots: promised(completeSnapshots),
    pinnedSnapshots: promised(pinnedSnapshots),
    snapshotIdsNewestFirst: promised(snapshotIdsNewestFirst),

    async prune(snapshotIds) {
      const outcome = { recordVersionsDeleted: 0 };
      for (const id of snapshotIds) {
        const snapshot = linkOf.get(id);
        if (!snapshot) continue;
        for (const successor of successorsOf.all(id)) await foldInto(snapshot, successor);
        immediately(() => hide.run(id));
        await deleteRows(snapshot, outcome);
        await nextTurn();
      }
      return { ...outcome, ...(await reclaimSpace()) };
    },
  };
}
