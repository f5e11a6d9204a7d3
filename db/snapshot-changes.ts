import type Database from 'better-sqlite3';

export const CHANGE_KINDS = ['CREATED', 'UPDATED', 'DELETED'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Two snapshot states to compare, each the list of snapshots its chain is made of (newest first). */
export interface ChainPair {
  oldChain: readonly string[];
  newChain: readonly string[];
  /** Objects compared: those both snapshots hold complete. */
  objects: readonly string[];
}

export interface ChangedRow {
  object: string;
  recordId: string;
  kind: ChangeKind;
}

export interface ChangeCountRow {
  object: string;
  created: number;
  updated: number;
  deleted: number;
}

/**
 * A record's version in a chain: `deleted:hash` of its newest row, or null when the chain never
 * held it. Live means held and not deleted (a purged record's row is deleted too).
 */
const versionIn = (chain: string) => `(
  SELECT r.deleted || ':' || r.version_hash FROM snapshot_records r JOIN snapshots s ON s.id = r.snapshot_id
  WHERE r.snapshot_id IN (SELECT value FROM json_each(${chain})) AND r.object = c.object AND r.record_id = c.record_id
  ORDER BY s.sequence DESC LIMIT 1)`;

/**
 * Records that differ between two snapshot states, told apart by the content hashes alone.
 * Only the snapshots that one chain holds and the other does not can hold a difference (rows both
 * chains share give a record the same version on both sides), so only their records are candidates:
 * between two incrementals of one chain, the rows of the backups in between.
 */
const CLASSIFIED = `
  WITH candidates AS (
    SELECT DISTINCT object, record_id FROM snapshot_records
    WHERE snapshot_id IN (SELECT value FROM json_each(@differing))
      AND object IN (SELECT value FROM json_each(@objects))
      AND (@object IS NULL OR object = @object)
      AND (object, record_id) > (@afterObject, @afterRecordId)
  ),
  versions AS (
    SELECT c.object, c.record_id, ${versionIn('@oldChain')} AS old_version, ${versionIn('@newChain')} AS new_version
    FROM candidates c
  ),
  classified AS (
    SELECT object, record_id,
      CASE
        WHEN coalesce(old_version LIKE '0:%', 0) AND coalesce(new_version LIKE '0:%', 0) THEN
          CASE WHEN old_version <> new_version THEN 'UPDATED' END
        WHEN coalesce(old_version LIKE '0:%', 0) THEN 'DELETED'
        WHEN coalesce(new_version LIKE '0:%', 0) THEN 'CREATED'
      END AS kind
    FROM versions
  )`;

/** Statements comparing snapshot states by content hash; no record's contents are read. */
export function prepareSnapshotChanges(sqlite: Database.Database) {
  const page = sqlite.prepare(`${CLASSIFIED}
    SELECT object, record_id AS recordId, kind FROM classified
    WHERE kind IN (SELECT value FROM json_each(@kinds))
    ORDER BY object, record_id LIMIT @limit`);
  const counts = sqlite.prepare(`${CLASSIFIED}
    SELECT object,
      sum(kind = 'CREATED') AS created, sum(kind = 'UPDATED') AS updated, sum(kind = 'DELETED') AS deleted
    FROM classified WHERE kind IS NOT NULL GROUP BY object ORDER BY object`);

  const parameters = (pair: ChainPair, object: string | null, after: { object: string; recordId: string } | null) => {
    const oldSet = new Set(pair.oldChain);
    const newSet = new Set(pair.newChain);
    const differing = [...pair.oldChain.filter((id) => !newSet.has(id)), ...pair.newChain.filter((id) => !oldSet.has(id))];
    return {
      oldChain: JSON.stringify(pair.oldChain),
      newChain: JSON.stringify(pair.newChain),
      differing: JSON.stringify(differing),
      objects: JSON.stringify(pair.objects),
      object,
      afterObject: after?.object ?? '',
      afterRecordId: after?.recordId ?? '',
    };
  };

  return {
    /** Changed records in (object, record id) order, after a position, of the given kinds. */
    page(
      pair: ChainPair,
      options: { object: string | null; kinds: readonly ChangeKind[]; after: { object: string; recordId: string } | null; limit: number },
    ): ChangedRow[] {
      return page.all({ ...parameters(pair, options.object, options.after), kinds: JSON.stringify(options.kinds), limit: options.limit }) as ChangedRow[];
    },

    /** Created, updated and deleted records per object that has any. */
    counts(pair: ChainPair): ChangeCountRow[] {
      return counts.all(parameters(pair, null, null)) as ChangeCountRow[];
    },
  };
}
