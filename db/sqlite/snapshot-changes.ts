import type Database from 'better-sqlite3';
import { and, desc, eq, gt, isNotNull, lt, lte } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.ts';
import { snapshotChangeSets, snapshots } from '../schema.ts';
import { byObject, CANDIDATES_PER_SCAN, type ChangedRow, type ChangeKind, type ChangeScope, type RecordKey, type SnapshotChangeStore } from '../snapshot-changes.ts';
import { promised } from './promised.ts';

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

/** Snapshot comparisons on SQLite: prepared statements on the driver, id lists as one JSON parameter. */
export function sqliteSnapshotChangeStore({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>): SnapshotChangeStore {
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

  function scan(scope: ChangeScope, object: string | null, after: RecordKey | null, limit = CANDIDATES_PER_SCAN) {
    const candidates = candidatesAfter(scope, object, after, limit);
    const chains: Record<string, string> = {};
    scope.oldChain.forEach((id, i) => (chains[`old${i}`] = id));
    scope.newChain.forEach((id, i) => (chains[`new${i}`] = id));
    const classify = classifier(scope.oldChain.length, scope.newChain.length);
    const changed: ChangedRow[] = [];
    for (const run of byObject(candidates)) {
      for (const row of classify.all({ ...chains, object: run.object, ids: JSON.stringify(run.ids) }) as { recordId: string; kind: ChangeKind | null }[]) {
        if (row.kind) changed.push({ object: run.object, recordId: row.recordId, kind: row.kind });
      }
    }
    return { changed, last: candidates.at(-1), done: candidates.length < limit };
  }

  return {
    scan: promised(scan),
    storeChanges: promised((snapshotId: string, rows: RecordKey[]) => storeChanges(snapshotId, rows)),
    noteChangeSet: promised((changeSet) => {
      db.insert(snapshotChangeSets).values(changeSet).onConflictDoNothing().run();
    }),
    changeSetsBetween: promised((instanceId: string, afterSequence: number, upToSequence: number) =>
      db
        .select({ set: snapshotChangeSets })
        .from(snapshotChangeSets)
        .innerJoin(snapshots, eq(snapshots.id, snapshotChangeSets.snapshotId))
        .where(and(eq(snapshots.instanceId, instanceId), gt(snapshots.sequence, afterSequence), lte(snapshots.sequence, upToSequence)))
        .all()
        .map(({ set }) => set),
    ),
    previousComplete: promised((snapshot) =>
      db
        .select()
        .from(snapshots)
        .where(and(eq(snapshots.instanceId, snapshot.instanceId), isNotNull(snapshots.completedAt), lt(snapshots.sequence, snapshot.sequence)))
        .orderBy(desc(snapshots.sequence))
        .get(),
    ),
  };
}
