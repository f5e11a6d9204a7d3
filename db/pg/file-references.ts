import { sql } from 'drizzle-orm';
import type { FileReferences, VersionData } from '../file-references.ts';
import { PURGED } from '../snapshot-store.ts';
import { bytesOfStoredText } from './record-data.ts';
import type { PgDb } from './client.ts';

// A type, not an interface: execute() takes only row types with an index signature.
type FileRow = Pick<VersionData, 'organisationId'> & { data: string; snapshotId: string; object: string; recordId: string };

/**
 * File references on PostgreSQL: pages in the order of snapshot_records' primary key, which leads
 * with the organisation, so each page reads the partitions' indexes in order instead of sorting.
 */
export function postgresFileReferences(db: PgDb): FileReferences {
  return {
    async backupRanSince(since) {
      const { rows } = await db.execute<{ ran: boolean }>(
        sql`select exists (select 1 from jobs where kind = 'BACKUP' and (status = 'RUNNING' or started_at >= ${since} or finished_at >= ${since})) as ran`,
      );
      return rows[0].ran;
    },

    async *versionsHoldingFiles(pageRows) {
      const { rows: objects } = await db.execute<{ name: string }>(sql`select distinct name from snapshot_objects where blob_count > 0`);
      const names = objects.map((row) => row.name);
      let after = { organisationId: '', snapshotId: '', object: '', recordId: '' };
      for (;;) {
        const { rows } = await db.execute<FileRow>(sql`
          select r.organisation_id as "organisationId", r.snapshot_id as "snapshotId", r.object, r.record_id as "recordId", v.data
          from snapshot_records r
          join record_versions v on v.organisation_id = r.organisation_id and v.record_id = r.record_id and v.hash = r.version_hash
          where r.object = any(${sql.param(names)}::text[]) and r.version_hash <> ${PURGED}
            and (r.organisation_id, r.snapshot_id, r.object, r.record_id) > (${after.organisationId}, ${after.snapshotId}, ${after.object}, ${after.recordId})
          order by r.organisation_id, r.snapshot_id, r.object, r.record_id
          limit ${pageRows}`);
        yield rows.map((row) => ({ ...row, data: bytesOfStoredText(row.data) }));
        if (rows.length < pageRows) return;
        const { organisationId, snapshotId, object, recordId } = rows.at(-1)!;
        after = { organisationId, snapshotId, object, recordId };
      }
    },
  };
}
