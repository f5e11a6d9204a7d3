import type Database from 'better-sqlite3';
import type { FileReferences, VersionData } from '../file-references.ts';
import { promised } from './promised.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface FileRow extends VersionData {
  object: string;
  record_id: string;
  snapshot_id: string;
}

/**
 * File references on SQLite: pages in the order of snapshot_records' key, after the last row read;
 * between pages the event loop serves requests.
 */
export function sqliteFileReferences(sqlite: Database.Database): FileReferences {
  const fileObjects = sqlite.prepare<[], { name: string }>('SELECT DISTINCT name FROM snapshot_objects WHERE blob_count > 0');
  const page = sqlite.prepare<{ objects: string; object: string; recordId: string; snapshotId: string; limit: number }, FileRow>(
    `SELECT r.object, r.record_id, r.snapshot_id, i.organisation_id AS organisationId, v.data
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

  return {
    backupRanSince: promised((since: Date) => backupsSince.get(since.getTime(), since.getTime())!.count > 0),

    async *versionsHoldingFiles(pageRows) {
      const objects = JSON.stringify(fileObjects.all().map((row) => row.name));
      let after = { object: '', recordId: '', snapshotId: '' };
      for (;;) {
        const rows = page.all({ objects, ...after, limit: pageRows });
        yield rows;
        if (rows.length < pageRows) return;
        const last = rows.at(-1)!;
        after = { object: last.object, recordId: last.record_id, snapshotId: last.snapshot_id };
        await nextTurn();
      }
    },
  };
}
