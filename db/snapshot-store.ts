import type { SnapshotObjectRow, SnapshotRow } from './schema.ts';

/**
 * The version a snapshot names for a record purged from Salesforce (emptied recycle bin, hard
 * delete): the record is no longer part of the org from that snapshot on.
 */
export const PURGED = 'purged';

/** Stored contents: sealed bytes, or the plain JSON of rows written before encryption at rest (SQLite only). */
export type StoredData = Buffer | string;

/** A record of a snapshot as written: the version it holds (stored once per content) and whether it is deleted. */
export interface RecordRow {
  recordId: string;
  hash: string;
  data: StoredData;
  deleted: boolean;
}

/** The newest row of a record along a chain of snapshots, its contents still sealed. */
export interface NewestVersion {
  recordId: string;
  deleted: boolean;
  data: StoredData;
}

/** A record as its snapshot's own row names it. */
export interface OwnRow {
  recordId: string;
  deleted: boolean;
  versionHash: string;
}

/** The reading of given records (`NewestVersion`s) as SQL text, for a thread that runs it on its own connection; the ids go at `recordIdsAt` as one JSON list. */
export interface ThreadStatement {
  /** The database file the statement reads, on a read-only connection of the thread's own. */
  databaseFile: string;
  sql: string;
  params: unknown[];
  recordIdsAt: number;
}

/**
 * Snapshots and their records: what backups write, and what restores, exports and queries read.
 * An incremental snapshot stores only what changed since its base, so a record's state at a
 * snapshot is its newest row along the chain of snapshots back to the last full one (`chain`:
 * snapshot ids, newest first). Versions are stored once per organisation by (record, hash).
 * Each database engine implements it its own way (db/sqlite, db/pg).
 */
export interface SnapshotStore {
  /** Begins a snapshot, next in the instance's sequence. */
  begin(instanceId: string, jobId: string, baseSnapshotId: string | null): Promise<SnapshotRow>;
  /** Stores the records' versions not yet held and their rows in the snapshot, in one transaction; returns how many versions were new. */
  writeRecords(snapshotId: string, object: string, rows: RecordRow[]): Promise<number>;
  /** Drops the snapshot's rows of one object. */
  discardObject(snapshotId: string, object: string): Promise<void>;
  /** Stores the per-object counts and makes the snapshot readable, in one transaction. */
  complete(snapshotId: string, objects: SnapshotObjectRow[]): Promise<void>;
  /** Drops the job's snapshots not completed. */
  discardUnfinishedOf(jobId: string): Promise<void>;
  /** Drops snapshots not completed whose job is not running; returns how many. */
  discardIncomplete(): Promise<number>;

  /** A completed snapshot. */
  find(id: string): Promise<SnapshotRow | undefined>;
  /** Any snapshot, completed or not. */
  byId(id: string): Promise<SnapshotRow | undefined>;
  latestComplete(instanceId: string): Promise<SnapshotRow | undefined>;
  /** The snapshots whose rows make up this one's state, newest first: itself, then its bases. */
  chainOf(snapshot: SnapshotRow): Promise<string[]>;
  /** The objects of the snapshots, by name. */
  objectsOf(snapshotIds: readonly string[]): Promise<SnapshotObjectRow[]>;
  organisationOfInstance(instanceId: string): Promise<string>;
  /** The snapshot's own rows of one object. */
  ownRows(snapshotId: string, object: string): Promise<OwnRow[]>;
  /** Records of one object along a chain, and how many of them deleted, purged ones left out. */
  countAlong(chain: string[], object: string): Promise<{ total: number; deleted: number }>;
  /** The newest version of each record of one object along a chain, purged ones left out, in id order, after an id if given. */
  newestVersions(chain: string[], object: string, page?: { after?: string; limit?: number }): Promise<NewestVersion[]>;
  /** The newest versions of given records of one object along a chain, deleted ones included: the reading is prepared once. */
  versionReader(chain: string[], object: string): (recordIds: string[]) => Promise<NewestVersion[]>;
  /**
   * Each record of one object along a chain (of those given, or once deleted, or all) and whether
   * it is deleted, purged ones left out, in id order.
   */
  heldStates(chain: string[], object: string, which?: string[] | 'onceDeleted'): Promise<Map<string, boolean>>;
  /** Up to `size` ids of one object's records along a chain, whatever their state, in id order after `after`. */
  recordIdPage(chain: readonly string[], object: string, after: string, size: number): Promise<string[]>;
  /** The ids, of those given, that no row of the objects along the chain names. */
  missingRecordIds(chain: string[], objects: string[], recordIds: string[]): Promise<string[]>;
  /** `versionReader` as SQL text, where the engine reads as well from a thread of its own (SQLite); undefined where reads already leave the process's thread (PostgreSQL). */
  threadStatement?(chain: string[], object: string): ThreadStatement;
}
