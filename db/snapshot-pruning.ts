import type { SnapshotRow } from './schema.ts';

export interface PruneOutcome {
  recordVersionsDeleted: number;
  /** The database's size on disk once the snapshots were gone, before the space they took was given back. */
  bytesBefore: number;
  /** And after: smaller on SQLite; on PostgreSQL autovacuum reuses the space later, without shrinking the files. */
  bytesAfter: number;
}

/**
 * Removing snapshots from storage, never leaving a kept snapshot unreadable: a snapshot that is
 * the base of another is first folded into it (its rows the successor does not override are
 * copied over, then the successor takes its base), so the successor still reads as the whole org
 * at its time. Record versions no snapshot names any more are deleted.
 *
 * Each database engine implements it its own way (db/sqlite, db/pg). Giving freed space back is
 * part of pruning, not a step of its own: SQLite's incremental vacuum on SQLite; on PostgreSQL,
 * autovacuum's job.
 */
export interface SnapshotPruning {
  /** The instance's complete snapshots, oldest first: what retention chooses from. */
  completeSnapshots(instanceId: string): Promise<SnapshotRow[]>;
  /** Snapshots of the instance a queued or running restore reads: they stay whatever the rules say. */
  pinnedSnapshots(instanceId: string): Promise<string[]>;
  /** Every snapshot of the instance, unfinished ones too, newest first (none is then the base of one still to go). */
  snapshotIdsNewestFirst(instanceId: string): Promise<string[]>;
  /** Removes the snapshots in the order given, oldest first (an older one may fold into a newer one that also goes). */
  prune(snapshotIds: string[]): Promise<PruneOutcome>;
}
