import type Database from 'better-sqlite3';

/**
 * The two inserts a backup runs for every record, prepared on the driver itself: Drizzle's
 * per-call parameter mapping cost more than the inserts. Tables are in `schema.ts`; a version's
 * `data` is sealed with its organisation's data key (services/data-keys.ts).
 */
export function prepareRecordWrites(sqlite: Database.Database) {
  const insertVersion = sqlite.prepare<{ recordId: string; hash: string; data: Buffer | string }>(
    'INSERT INTO record_versions (record_id, hash, data) VALUES (@recordId, @hash, @data) ON CONFLICT DO NOTHING',
  );
  const insertMembership = sqlite.prepare<{ snapshotId: string; object: string; recordId: string; versionHash: string; deleted: 0 | 1 }>(
    `INSERT INTO snapshot_records (snapshot_id, object, record_id, version_hash, deleted)
     VALUES (@snapshotId, @object, @recordId, @versionHash, @deleted)
     ON CONFLICT (snapshot_id, object, record_id) DO UPDATE SET version_hash = excluded.version_hash, deleted = excluded.deleted`,
  );
  return { insertVersion, insertMembership };
}
