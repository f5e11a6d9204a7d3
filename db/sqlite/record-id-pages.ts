import type Database from 'better-sqlite3';

/**
 * A page of the ids of one object's records along a snapshot chain, in id order. Each snapshot of
 * the chain is read by its primary key from the position on; the page is the smallest ids of all
 * of them, so a page costs the same at the start of a million records as at the end (grouping the
 * whole chain by record sorted every row for every page).
 */
export function prepareRecordIdPages(sqlite: Database.Database) {
  const idsAfter = sqlite
    .prepare<{ snapshotId: string; object: string; after: string; limit: number }, string>(
      `SELECT record_id FROM snapshot_records
       WHERE snapshot_id = @snapshotId AND object = @object AND record_id > @after
       ORDER BY record_id LIMIT @limit`,
    )
    .pluck();

  return function recordIdPage(chain: readonly string[], object: string, after: string, size: number): string[] {
    const ids = new Set<string>();
    for (const snapshotId of chain) for (const id of idsAfter.all({ snapshotId, object, after, limit: size })) ids.add(id);
    return [...ids].sort().slice(0, size);
  };
}
