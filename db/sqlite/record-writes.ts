import type Database from 'better-sqlite3';
import type { RecordRow } from '../snapshot-store.ts';

// Rows per statement: one statement per row spent more in binding and stepping than in the inserts.
const ROWS_PER_STATEMENT = 50;

/**
 * The inserts a backup runs for its records, prepared on the driver itself (Drizzle's per-call
 * parameter mapping cost more than the inserts). Tables are in `../schema.ts`; a version's `data` is
 * sealed with its organisation's data key (src/services/organisation-cipher.ts).
 */
export function prepareRecordWrites(sqlite: Database.Database) {
  const statements = new Map<number, { versions: Database.Statement; memberships: Database.Statement }>();
  const statementsFor = (rows: number) => {
    let prepared = statements.get(rows);
    if (!prepared) {
      const values = (columns: number) => Array.from({ length: rows }, () => `(${Array(columns).fill('?').join(', ')})`).join(', ');
      prepared = {
        versions: sqlite.prepare(`INSERT INTO record_versions (record_id, hash, data) VALUES ${values(3)} ON CONFLICT DO NOTHING`),
        memberships: sqlite.prepare(
          `INSERT INTO snapshot_records (snapshot_id, object, record_id, version_hash, deleted) VALUES ${values(5)}
           ON CONFLICT (snapshot_id, object, record_id) DO UPDATE SET version_hash = excluded.version_hash, deleted = excluded.deleted`,
        ),
      };
      statements.set(rows, prepared);
    }
    return prepared;
  };

  return {
    /** Stores the records' versions not yet held and their membership of the snapshot; returns how many versions were new. Run inside a transaction. */
    writeRecords(snapshotId: string, object: string, rows: RecordRow[]): number {
      let added = 0;
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        const count = Math.min(ROWS_PER_STATEMENT, rows.length - start);
        const versionValues: unknown[] = [];
        const membershipValues: unknown[] = [];
        for (let i = start; i < start + count; i++) {
          const { recordId, hash, data, deleted } = rows[i];
          versionValues.push(recordId, hash, data);
          membershipValues.push(snapshotId, object, recordId, hash, deleted ? 1 : 0);
        }
        const { versions, memberships } = statementsFor(count);
        added += versions.run(versionValues).changes;
        memberships.run(membershipValues);
      }
      return added;
    },
  };
}
