import type { DatabaseHandle } from '../../db/client.ts';
import type { BlobStores } from '../storage/blob-store.ts';
import type { DataKeys } from './data-keys.ts';

/** The names of the files a record version holds: fields whose value is `{"blob": name, "size": bytes}`. */
function fileNamesIn(json: string): string[] {
  if (!json.includes('"blob"')) return [];
  const record = JSON.parse(json) as Record<string, unknown> | null;
  return Object.values(record ?? {}).flatMap((value) => {
    const file = value as { blob?: unknown } | null;
    return file && typeof file === 'object' && typeof file.blob === 'string' ? [file.blob] : [];
  });
}

interface MembershipRow {
  object: string;
  record_id: string;
  version_hash: string;
  has_files: number;
}

/**
 * Deletes what backups stored for an instance: its snapshots, and the record versions no other
 * snapshot names (versions are shared across snapshots, and record ids with the instances
 * connected to the same Salesforce org, such as a sandbox copied from it).
 */
export function createStoredDataRemoval({ sqlite }: Pick<DatabaseHandle, 'sqlite'>, dataKeys: Pick<DataKeys, 'forOrganisation'>, blobs: Pick<BlobStores, 'remove'>) {
  const membershipsOf = sqlite.prepare<[string], MembershipRow>(
    `SELECT DISTINCT r.object, r.record_id, r.version_hash,
       EXISTS (SELECT 1 FROM snapshot_objects o WHERE o.snapshot_id = r.snapshot_id AND o.name = r.object AND o.blob_count > 0) AS has_files
     FROM snapshot_records r JOIN snapshots s ON s.id = r.snapshot_id WHERE s.instance_id = ?`,
  );
  const sharingSnapshots = sqlite.prepare<[string, string], { id: string }>(
    `SELECT s.id FROM snapshots s JOIN instances i ON i.id = s.instance_id
     WHERE s.instance_id <> ? AND i.salesforce_org_id = (SELECT salesforce_org_id FROM instances WHERE id = ?)`,
  );
  const stillNamed = sqlite.prepare<{ snapshotIds: string; object: string; recordId: string; versionHash: string }, { one: number }>(
    `SELECT 1 AS one FROM snapshot_records
     WHERE snapshot_id IN (SELECT value FROM json_each(@snapshotIds)) AND object = @object AND record_id = @recordId AND version_hash = @versionHash
     LIMIT 1`,
  );
  const versionData = sqlite.prepare<[string, string], { data: Buffer | string }>('SELECT data FROM record_versions WHERE record_id = ? AND hash = ?');
  const deleteVersion = sqlite.prepare<[string, string]>('DELETE FROM record_versions WHERE record_id = ? AND hash = ?');
  const deleteSnapshots = sqlite.prepare<[string]>('DELETE FROM snapshots WHERE instance_id = ?');
  const organisationOf = sqlite.prepare<[string], { organisation_id: string }>('SELECT organisation_id FROM instances WHERE id = ?');

  return {
    /**
     * Deletes the instance's snapshots in the caller's transaction. With `withFiles`, also returns
     * the names of the files its deleted versions held, for `removeFiles` once committed (only when
     * nothing else of the organisation can name them: the organisation itself is going).
     */
    deleteSnapshotsOf(instanceId: string, withFiles = false): string[] {
      const organisationId = organisationOf.get(instanceId)?.organisation_id;
      const sharing = JSON.stringify(sharingSnapshots.all(instanceId, instanceId).map((row) => row.id));
      const files = new Set<string>();
      const memberships = membershipsOf.all(instanceId);
      deleteSnapshots.run(instanceId);
      for (const row of memberships) {
        if (stillNamed.get({ snapshotIds: sharing, object: row.object, recordId: row.record_id, versionHash: row.version_hash })) continue;
        if (withFiles && row.has_files && organisationId) {
          const data = versionData.get(row.record_id, row.version_hash)?.data;
          if (data !== undefined) {
            const json = typeof data === 'string' ? data : dataKeys.forOrganisation(organisationId).open(data).toString('utf8');
            for (const name of fileNamesIn(json)) files.add(name);
          }
        }
        deleteVersion.run(row.record_id, row.version_hash);
      }
      return [...files];
    },

    removeFiles(names: string[]): void {
      for (const name of names) blobs.remove(name);
    },
  };
}

export type StoredDataRemoval = ReturnType<typeof createStoredDataRemoval>;
