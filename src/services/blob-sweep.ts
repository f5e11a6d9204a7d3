import type { DatabaseHandle } from '../../db/client.ts';
import type { BlobStores } from '../storage/blob-store.ts';
import type { DataKeys } from './data-keys.ts';

const PAGE_ROWS = 2000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface FileRow {
  object: string;
  record_id: string;
  snapshot_id: string;
  organisation_id: string;
  /** Sealed with the organisation's data key, or the plain JSON of rows written before sealing. */
  data: Buffer | string;
}

/** The names of the files a record version holds: fields whose value is `{"blob": name, "size": bytes}`. */
export function fileNamesIn(json: string): string[] {
  if (!json.includes('"blob"')) return [];
  const record = JSON.parse(json) as Record<string, unknown> | null;
  return Object.values(record ?? {}).flatMap((value) => {
    const file = value as { blob?: unknown } | null;
    return file && typeof file === 'object' && typeof file.blob === 'string' ? [file.blob] : [];
  });
}

/**
 * Deletes stored files that no record version names any more (mark and sweep). Files are
 * deduplicated across records and snapshots, so only a pass over every version of the objects
 * that hold files can tell; it reads a page at a time. A backup may be about to name a file it
 * found already stored, so the sweep deletes nothing when a backup ran at any time during it.
 */
export function createBlobSweep({ sqlite }: Pick<DatabaseHandle, 'sqlite'>, blobs: Pick<BlobStores, 'list' | 'remove'>, dataKeys: Pick<DataKeys, 'forOrganisation'>) {
  const open = async (row: FileRow) => (typeof row.data === 'string' ? row.data : (await dataKeys.forOrganisation(row.organisation_id)).open(row.data).toString('utf8'));
  const fileObjects = sqlite.prepare<[], { name: string }>('SELECT DISTINCT name FROM snapshot_objects WHERE blob_count > 0');
  const page = sqlite.prepare<{ objects: string; object: string; recordId: string; snapshotId: string; limit: number }, FileRow>(
    `SELECT r.object, r.record_id, r.snapshot_id, i.organisation_id, v.data
     FROM snapshot_records r
     JOIN snapshots s ON s.id = r.snapshot_id
     JOIN instances i ON i.id = s.instance_id
     JOIN record_versions v ON v.record_id = r.record_id AND v.hash = r.version_hash
     WHERE r.object IN (SELECT value FROM json_each(@objects)) AND (r.object, r.record_id, r.snapshot_id) > (@object, @recordId, @snapshotId)
     ORDER BY r.object, r.record_id, r.snapshot_id LIMIT @limit`,
  );
  const backupsSince = sqlite.prepare<[number, number], { count: number }>(
    "SELECT count(*) AS count FROM jobs WHERE kind = 'BACKUP' AND (status = 'RUNNING' OR started_at >= ? OR finished_at >= ?)",
  );
  const backupRan = (since: number) => backupsSince.get(since, since)!.count > 0;

  return {
    /** Returns the number of files deleted, or null when a backup ran meanwhile (the next sweep tries again). */
    async sweep(): Promise<number | null> {
      const startedAt = Date.now();
      if (backupRan(startedAt)) return null;
      const objects = JSON.stringify(fileObjects.all().map((row) => row.name));
      const named = new Set<string>();
      let after = { object: '', recordId: '', snapshotId: '' };
      for (;;) {
        const rows = page.all({ objects, ...after, limit: PAGE_ROWS });
        for (const row of rows) for (const name of fileNamesIn(await open(row))) named.add(name);
        if (rows.length < PAGE_ROWS) break;
        const last = rows.at(-1)!;
        after = { object: last.object, recordId: last.record_id, snapshotId: last.snapshot_id };
        await nextTurn();
      }
      // Checked in the same turn as the deletes: no backup can start in between.
      if (backupRan(startedAt)) return null;
      const unnamed = blobs.list().filter((file) => !named.has(file.name) && file.modifiedAt < startedAt);
      for (const file of unnamed) blobs.remove(file.name);
      return unnamed.length;
    },
  };
}

export type BlobSweep = ReturnType<typeof createBlobSweep>;
