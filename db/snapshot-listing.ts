import type { ChildPageQuery } from './parent-pages.ts';
import type { SnapshotObjectRow, SnapshotRow } from './schema.ts';

/**
 * The lists of snapshots the API shows: complete snapshots and their per-object counts. Each
 * database engine implements it its own way (db/sqlite, db/pg).
 */
export interface SnapshotListing {
  /** The complete snapshots of these ids, each with its instance's organisation. */
  completeByIds(ids: readonly string[]): Promise<{ snapshot: SnapshotRow; organisationId: string }[]>;
  /** Each instance's first `limit` complete snapshots, newest first (before the sequence `after`), in one statement. */
  completePerInstance(instanceIds: readonly string[], query: ChildPageQuery): Promise<SnapshotRow[]>;
  /** The per-object counts of these snapshots by object name, of the organisation's instances only when one is named. */
  objectsOf(snapshotIds: readonly string[], organisationId?: string): Promise<SnapshotObjectRow[]>;
}
