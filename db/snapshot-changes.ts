import type { SnapshotRow } from './schema.ts';

export const CHANGE_KINDS = ['CREATED', 'UPDATED', 'DELETED'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * Two snapshot states to compare, and where the records that can differ between them are listed.
 * A state is a chain of snapshots, newest first: a record's version is its row in the first
 * snapshot of the chain that has one.
 */
export interface ChangeScope {
  oldChain: readonly string[];
  newChain: readonly string[];
  /** Objects compared: those both snapshots hold complete. */
  objects: readonly string[];
  /** Snapshots whose every row is a candidate (incrementals, or whole chains when nothing better is known). */
  rowsOf: readonly string[];
  /** Snapshots whose recorded changes (`snapshot_changes`) are candidates. */
  changesOf: readonly string[];
}

export interface RecordKey {
  object: string;
  recordId: string;
}

export interface ChangedRow extends RecordKey {
  kind: ChangeKind;
}

export interface ChangeCountRow {
  object: string;
  created: number;
  updated: number;
  deleted: number;
}

/** Candidates read per slice: the event loop is free in between where the caller allows. */
export const CANDIDATES_PER_SCAN = 5000;

/** One slice of candidates after a position: the changed ones, the last candidate looked at, and whether it was the last slice. */
export interface ChangeSlice {
  changed: ChangedRow[];
  last: RecordKey | undefined;
  done: boolean;
}

/** A note that a snapshot's changes since another are known: its own rows, or those listed in `snapshot_changes`. */
export interface ChangeSet {
  snapshotId: string;
  sinceSnapshotId: string;
  ownRows: boolean;
}

/**
 * Comparing snapshot states by content hash, without reading any record's contents, and the
 * notes of which records each backup changed. Work is proportional to the candidates, which
 * `ChangeScope` keeps to the records that can differ, and each slice is read by primary key from
 * where the last one stopped. Each database engine implements it its own way (db/sqlite, db/pg).
 */
export interface SnapshotChangeStore {
  /** Classifies the next candidates after a position, object by object (of one object, or all). */
  scan(scope: ChangeScope, object: string | null, after: RecordKey | null, limit?: number): Promise<ChangeSlice>;
  /** Remembers which records a snapshot changed, so later comparisons need not look at the others. */
  storeChanges(snapshotId: string, rows: RecordKey[]): Promise<void>;
  /** Notes a snapshot's change set; a note already there stays. */
  noteChangeSet(changeSet: ChangeSet): Promise<void>;
  /** The change sets of the instance's snapshots after one sequence, up to another. */
  changeSetsBetween(instanceId: string, afterSequence: number, upToSequence: number): Promise<ChangeSet[]>;
  /** The instance's completed snapshot just before this one. */
  previousComplete(snapshot: SnapshotRow): Promise<SnapshotRow | undefined>;
}

/** Changed records in (object, record id) order after a position, of the given kinds, at most `limit`. */
export async function changesPage(
  store: Pick<SnapshotChangeStore, 'scan'>,
  scope: ChangeScope,
  options: { object: string | null; kinds: readonly ChangeKind[]; after: RecordKey | null; limit: number },
): Promise<ChangedRow[]> {
  const found: ChangedRow[] = [];
  let after = options.after;
  for (;;) {
    const slice = await store.scan(scope, options.object, after, Math.max(options.limit, 500));
    for (const row of slice.changed) if (options.kinds.includes(row.kind) && found.push(row) >= options.limit) return found;
    if (slice.done || !slice.last) return found;
    after = slice.last;
  }
}

/** Created, updated and deleted records per object that has any. */
export async function changeCounts(store: Pick<SnapshotChangeStore, 'scan'>, scope: ChangeScope): Promise<ChangeCountRow[]> {
  const counts = new Map<string, ChangeCountRow>();
  let after: RecordKey | null = null;
  for (;;) {
    const slice = await store.scan(scope, null, after);
    for (const row of slice.changed) {
      const tally = counts.get(row.object) ?? { object: row.object, created: 0, updated: 0, deleted: 0 };
      tally[row.kind === 'CREATED' ? 'created' : row.kind === 'UPDATED' ? 'updated' : 'deleted'] += 1;
      counts.set(row.object, tally);
    }
    if (slice.done || !slice.last) return [...counts.values()].sort((a, b) => (a.object < b.object ? -1 : 1));
    after = slice.last;
  }
}

/** The candidates split into runs of one object, in order. */
export function byObject(candidates: RecordKey[]): { object: string; ids: string[] }[] {
  const runs: { object: string; ids: string[] }[] = [];
  for (const key of candidates) {
    const run = runs.at(-1);
    if (run?.object === key.object) run.ids.push(key.recordId);
    else runs.push({ object: key.object, ids: [key.recordId] });
  }
  return runs;
}
