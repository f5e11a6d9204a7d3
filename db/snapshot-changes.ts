import type Database from 'better-sqlite3';

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

/** Ids of one object's rows in a snapshot (or its recorded changes) after a position, in order, by primary key. */
const idsAfter = (table: string) => `
  SELECT record_id FROM ${table}
  WHERE snapshot_id = @snapshotId AND object = @object AND record_id > @after
  ORDER BY record_id LIMIT @limit`;

/** `deleted:hash` of a record's row in the first snapshot of a chain that has one: one primary-key probe per link. */
const versionIn = (side: string, length: number) =>
  `coalesce(${Array.from(
    { length },
    (_, i) => `(SELECT deleted || ':' || version_hash FROM snapshot_records WHERE snapshot_id = @${side}${i} AND object = @object AND record_id = c.value)`,
  ).join(', ')}, NULL)`;

/** Live means held and not deleted (a purged record's row is deleted too). */
const classifying = (oldLength: number, newLength: number) => `
  WITH v AS (SELECT c.value AS record_id, ${versionIn('old', oldLength)} AS old_version, ${versionIn('new', newLength)} AS new_version FROM json_each(@ids) c)
  SELECT record_id AS recordId,
    CASE
      WHEN old_version LIKE '0:%' AND new_version LIKE '0:%' THEN CASE WHEN old_version <> new_version THEN 'UPDATED' END
      WHEN old_version LIKE '0:%' THEN 'DELETED'
      WHEN new_version LIKE '0:%' THEN 'CREATED'
    END AS kind
  FROM v`;

/**
 * Statements comparing snapshot states by content hash; no record's contents are read. Work is
 * proportional to the candidates, which `ChangeScope` keeps to the records that can differ, and
 * each slice is read by primary key from where the last one stopped.
 */
export function prepareSnapshotChanges(sqlite: Database.Database) {
  const rowIds = sqlite.prepare(idsAfter('snapshot_records')).pluck();
  const changeIds = sqlite.prepare(idsAfter('snapshot_changes')).pluck();
  const classifiers = new Map<string, Database.Statement>();
  const classifier = (oldLength: number, newLength: number) => {
    const key = `${oldLength}:${newLength}`;
    let statement = classifiers.get(key);
    if (!statement) classifiers.set(key, (statement = sqlite.prepare(classifying(oldLength, newLength))));
    return statement;
  };
  const insertChange = sqlite.prepare('INSERT OR IGNORE INTO snapshot_changes (snapshot_id, object, record_id) VALUES (?, ?, ?)');
  const storeChanges = sqlite.transaction((snapshotId: string, rows: RecordKey[]) => {
    for (const row of rows) insertChange.run(snapshotId, row.object, row.recordId);
  });

  /** The next candidates after a position, object by object: the smallest ids of all the sources. */
  function candidatesAfter(scope: ChangeScope, only: string | null, after: RecordKey | null, limit: number): RecordKey[] {
    const keys: RecordKey[] = [];
    const objects = [...scope.objects].sort().filter((object) => (only === null || object === only) && (!after || object >= after.object));
    for (const object of objects) {
      const parameters = { object, after: object === after?.object ? after.recordId : '', limit: limit - keys.length };
      const ids = [
        ...scope.rowsOf.flatMap((snapshotId) => rowIds.all({ ...parameters, snapshotId }) as string[]),
        ...scope.changesOf.flatMap((snapshotId) => changeIds.all({ ...parameters, snapshotId }) as string[]),
      ];
      const sorted = [...new Set(ids)].sort().slice(0, parameters.limit);
      for (const recordId of sorted) keys.push({ object, recordId });
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /**
   * One slice of candidates after a position: the changed ones, the last candidate looked at, and
   * whether it was the last slice.
   */
  function scan(scope: ChangeScope, object: string | null, after: RecordKey | null, limit = CANDIDATES_PER_SCAN) {
    const candidates = candidatesAfter(scope, object, after, limit);
    const chains: Record<string, string> = {};
    scope.oldChain.forEach((id, i) => (chains[`old${i}`] = id));
    scope.newChain.forEach((id, i) => (chains[`new${i}`] = id));
    const classify = classifier(scope.oldChain.length, scope.newChain.length);
    const changed: ChangedRow[] = [];
    for (let start = 0; start < candidates.length; ) {
      const objectOf = candidates[start].object;
      let end = start;
      while (end < candidates.length && candidates[end].object === objectOf) end += 1;
      const ids = candidates.slice(start, end).map((key) => key.recordId);
      for (const row of classify.all({ ...chains, object: objectOf, ids: JSON.stringify(ids) }) as { recordId: string; kind: ChangeKind | null }[]) {
        if (row.kind) changed.push({ object: objectOf, recordId: row.recordId, kind: row.kind });
      }
      start = end;
    }
    return { changed, last: candidates.at(-1), done: candidates.length < limit };
  }

  return {
    scan,

    /** Changed records in (object, record id) order after a position, of the given kinds, at most `limit`. */
    page(scope: ChangeScope, options: { object: string | null; kinds: readonly ChangeKind[]; after: RecordKey | null; limit: number }): ChangedRow[] {
      const found: ChangedRow[] = [];
      let after = options.after;
      for (;;) {
        const slice = scan(scope, options.object, after, Math.max(options.limit, 500));
        for (const row of slice.changed) if (options.kinds.includes(row.kind) && found.push(row) >= options.limit) return found;
        if (slice.done || !slice.last) return found;
        after = slice.last;
      }
    },

    /** Created, updated and deleted records per object that has any. */
    counts(scope: ChangeScope): ChangeCountRow[] {
      const counts = new Map<string, ChangeCountRow>();
      let after: RecordKey | null = null;
      for (;;) {
        const slice = scan(scope, null, after);
        for (const row of slice.changed) {
          const tally = counts.get(row.object) ?? { object: row.object, created: 0, updated: 0, deleted: 0 };
          tally[row.kind === 'CREATED' ? 'created' : row.kind === 'UPDATED' ? 'updated' : 'deleted'] += 1;
          counts.set(row.object, tally);
        }
        if (slice.done || !slice.last) return [...counts.values()].sort((a, b) => (a.object < b.object ? -1 : 1));
        after = slice.last;
      }
    },

    /** Remembers which records a snapshot changed, so later comparisons need not look at the others. */
    storeChanges: (snapshotId: string, rows: RecordKey[]) => storeChanges(snapshotId, rows),
  };
}
