import { and, desc, eq, gt, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { byObject, CANDIDATES_PER_SCAN, type ChangedRow, type ChangeScope, type RecordKey, type SnapshotChangeStore } from '../snapshot-changes.ts';
import type { PgDb } from './client.ts';
import { snapshotChangeSets, snapshots } from './schema.ts';

const textArray = (values: readonly string[]) => sql`${sql.param(values)}::text[]`;

/** `deleted:hash` of a record's newest row along a chain, null when the chain holds none. */
const versionIn = (organisationId: string, chain: readonly string[], object: string): SQL => sql`(
  select r.deleted::text || ':' || r.version_hash from snapshot_records r join snapshots s on s.id = r.snapshot_id
  where r.organisation_id = ${organisationId} and r.snapshot_id = any(${textArray(chain)}) and r.object = ${object} and r.record_id = c.id
  order by s.sequence desc limit 1)`;

const live = (version: string | null) => version?.startsWith('false:') === true;

/** Snapshot comparisons on PostgreSQL: each record's version along a chain is its newest row, read by the organisation's partition. */
export function postgresSnapshotChangeStore(db: PgDb): SnapshotChangeStore {
  async function organisationOf(snapshotId: string): Promise<string> {
    const [row] = await db.select({ organisationId: snapshots.organisationId }).from(snapshots).where(eq(snapshots.id, snapshotId));
    return row.organisationId;
  }

  /** Ids of one object's rows in a snapshot (or its recorded changes) after a position, in byte order as on SQLite (the column's collation). */
  async function idsAfter(source: 'rows' | 'changes', organisationId: string, snapshotId: string, object: string, after: string, limit: number) {
    const from = source === 'rows' ? sql`snapshot_records where organisation_id = ${organisationId} and` : sql`snapshot_changes where`;
    const { rows } = await db.execute<{ record_id: string }>(sql`select record_id from ${from} snapshot_id = ${snapshotId} and object = ${object}
      and record_id > ${after} order by record_id limit ${limit}`);
    return rows.map((row) => row.record_id);
  }

  /** The next candidates after a position, object by object: the smallest ids of all the sources. */
  async function candidatesAfter(scope: ChangeScope, organisationId: string, only: string | null, after: RecordKey | null, limit: number) {
    const keys: RecordKey[] = [];
    const objects = [...scope.objects].sort().filter((object) => (only === null || object === only) && (!after || object >= after.object));
    for (const object of objects) {
      const from = object === after?.object ? after.recordId : '';
      const wanted = limit - keys.length;
      const ids: string[] = [];
      for (const snapshotId of scope.rowsOf) ids.push(...(await idsAfter('rows', organisationId, snapshotId, object, from, wanted)));
      for (const snapshotId of scope.changesOf) ids.push(...(await idsAfter('changes', organisationId, snapshotId, object, from, wanted)));
      for (const recordId of [...new Set(ids)].sort().slice(0, wanted)) keys.push({ object, recordId });
      if (keys.length >= limit) break;
    }
    return keys;
  }

  return {
    async scan(scope, object, after, limit = CANDIDATES_PER_SCAN) {
      const organisationId = await organisationOf(scope.newChain[0]);
      const candidates = await candidatesAfter(scope, organisationId, object, after, limit);
      const changed: ChangedRow[] = [];
      for (const run of byObject(candidates)) {
        const { rows } = await db.execute<{ record_id: string; old_version: string | null; new_version: string | null }>(sql`select c.id as record_id,
          ${versionIn(organisationId, scope.oldChain, run.object)} as old_version, ${versionIn(organisationId, scope.newChain, run.object)} as new_version
          from unnest(${textArray(run.ids)}) with ordinality as c(id, position) order by c.position`);
        for (const row of rows) {
          const [was, is] = [live(row.old_version), live(row.new_version)];
          const kind = was && is ? (row.old_version !== row.new_version ? 'UPDATED' : undefined) : was ? 'DELETED' : is ? 'CREATED' : undefined;
          if (kind) changed.push({ object: run.object, recordId: row.record_id, kind });
        }
      }
      return { changed, last: candidates.at(-1), done: candidates.length < limit };
    },

    async storeChanges(snapshotId, rows) {
      if (rows.length === 0) return;
      await db.execute(sql`insert into snapshot_changes (snapshot_id, object, record_id)
        select ${snapshotId}, * from unnest(${textArray(rows.map((row) => row.object))}, ${textArray(rows.map((row) => row.recordId))})
        on conflict do nothing`);
    },

    async noteChangeSet(changeSet) {
      await db.insert(snapshotChangeSets).values(changeSet).onConflictDoNothing();
    },

    async changeSetsBetween(instanceId, afterSequence, upToSequence) {
      const rows = await db
        .select({ set: snapshotChangeSets })
        .from(snapshotChangeSets)
        .innerJoin(snapshots, eq(snapshots.id, snapshotChangeSets.snapshotId))
        .where(and(eq(snapshots.instanceId, instanceId), gt(snapshots.sequence, afterSequence), lte(snapshots.sequence, upToSequence)));
      return rows.map(({ set }) => set);
    },

    previousComplete: async (snapshot) =>
      (
        await db
          .select()
          .from(snapshots)
          .where(and(eq(snapshots.instanceId, snapshot.instanceId), isNotNull(snapshots.completedAt), lt(snapshots.sequence, snapshot.sequence)))
          .orderBy(desc(snapshots.sequence))
          .limit(1)
      )[0],
  };
}
