import { randomUUID } from 'node:crypto';
import { and, asc, countDistinct, desc, eq, gt, inArray, isNotNull, isNull, lte, notInArray, Placeholder, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DatabaseHandle } from '../client.ts';
import { inList, inListPlaceholder } from '../in-list.ts';
import { newestVersionsPage, type ReadSlice } from '../newest-version-pages.ts';
import { instances, jobs, recordVersions, snapshotObjects, snapshotRecords, snapshots, type SnapshotRow } from '../schema.ts';
import { PURGED, type SnapshotStore, type StoredData } from '../snapshot-store.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';
import { prepareRecordIdPages } from './record-id-pages.ts';
import { prepareRecordWrites } from './record-writes.ts';

/**
 * Snapshots on SQLite. A backup's records go through statements prepared on the driver, one
 * transaction per batch; the newest row of each record along a chain is found with SQLite's
 * bare columns of a max() aggregate.
 */
export function sqliteSnapshotStore({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>): SnapshotStore {
  const { writeRecords } = prepareRecordWrites(sqlite);
  const organisationOfInstance = db
    .select({ organisationId: instances.organisationId })
    .from(instances)
    .where(eq(instances.id, sql.placeholder('instanceId')))
    .prepare();
  const snapshotById = db.select().from(snapshots).where(eq(snapshots.id, sql.placeholder('id'))).prepare();

  /** The newest row of each record of one object along a snapshot chain, with its contents. */
  function newestVersionsQuery(chain: string[], object: string, filter: SQL | undefined) {
    // SQLite takes the bare columns of a max() aggregate from the row holding the maximum:
    // the newest row of each record along the chain.
    return db
      .select({
        recordId: snapshotRecords.recordId,
        deleted: snapshotRecords.deleted,
        data: sql<StoredData>`${recordVersions.data}`,
        sequence: sql<number>`max(${snapshots.sequence})`,
      })
      .from(snapshotRecords)
      .innerJoin(snapshots, eq(snapshots.id, snapshotRecords.snapshotId))
      .innerJoin(recordVersions, and(eq(recordVersions.recordId, snapshotRecords.recordId), eq(recordVersions.hash, snapshotRecords.versionHash)))
      .where(and(inArray(snapshotRecords.snapshotId, chain), eq(snapshotRecords.object, object), filter))
      .groupBy(snapshotRecords.recordId)
      // HAVING sees the newest version of each record: a record purged since an older version is not there at all.
      .having(sql`${snapshotRecords.versionHash} <> ${PURGED}`)
      .orderBy(asc(snapshotRecords.recordId));
  }

  const recordIdPage = prepareRecordIdPages(sqlite);

  /** A slice's ids come from each snapshot's key (recordIdPage); then only their rows are grouped. */
  const slice: ReadSlice = promised((chain: string[], object: string, after: string | undefined, size: number) => {
    const ids = recordIdPage(chain, object, after ?? '', size);
    const last = ids.at(-1);
    if (last === undefined) return { versions: [], covered: 0 };
    const range = and(after === undefined ? undefined : gt(snapshotRecords.recordId, after), lte(snapshotRecords.recordId, last));
    return { versions: newestVersionsQuery(chain, object, range).all(), covered: ids.length, last };
  });

  /**
   * The newest row of each record of one object along a snapshot chain, by id (no contents): of
   * the given ids, or of records once deleted, or all.
   */
  function newestRowsQuery(chain: string[], object: string, which: string[] | 'onceDeleted' | undefined) {
    const deletedRows = alias(snapshotRecords, 'deleted_rows');
    // The partial index of deleted rows serves this (its WHERE must be written the same way).
    const onceDeleted = db
      .select({ recordId: deletedRows.recordId })
      .from(deletedRows)
      .where(and(inArray(deletedRows.snapshotId, chain), eq(deletedRows.object, object), sql`${deletedRows.deleted} = 1`));
    return db
      .select({
        recordId: snapshotRecords.recordId,
        deleted: snapshotRecords.deleted,
        hash: snapshotRecords.versionHash,
        sequence: sql<number>`max(${snapshots.sequence})`.as('sequence'),
      })
      .from(snapshotRecords)
      .innerJoin(snapshots, eq(snapshots.id, snapshotRecords.snapshotId))
      .where(
        and(
          inArray(snapshotRecords.snapshotId, chain),
          eq(snapshotRecords.object, object),
          which === 'onceDeleted' ? inArray(snapshotRecords.recordId, onceDeleted) : which ? inList(snapshotRecords.recordId, which) : undefined,
        ),
      )
      .groupBy(snapshotRecords.recordId)
      .orderBy(asc(snapshotRecords.recordId));
  }

  /**
   * A row at a time: an object holds hundreds of thousands of records on a large org, and reading
   * them all at once (Drizzle's rows, then its objects) took an incremental backup past 500 MB.
   */
  function heldStates(chain: string[], object: string, which?: string[] | 'onceDeleted') {
    const query = newestRowsQuery(chain, object, which).toSQL();
    const rows = sqlite.prepare(query.sql).raw().iterate(...query.params) as IterableIterator<[recordId: string, deleted: number, hash: string]>;
    const held = new Map<string, boolean>();
    for (const [recordId, deleted, hash] of rows) if (hash !== PURGED) held.set(recordId, deleted === 1);
    return held;
  }

  function countAlong(chain: string[], object: string) {
    if (chain.length === 1) {
      // A snapshot without a base holds one row per record: no newest row to pick.
      return db
        .select({ total: sql<number>`count(*)`, deleted: sql<number>`coalesce(sum(${snapshotRecords.deleted}), 0)` })
        .from(snapshotRecords)
        .where(and(eq(snapshotRecords.snapshotId, chain[0]), eq(snapshotRecords.object, object), sql`${snapshotRecords.versionHash} <> ${PURGED}`))
        .get()!;
    }
    const latest = newestRowsQuery(chain, object, undefined).as('latest');
    return db
      .select({ total: sql<number>`count(*)`, deleted: sql<number>`coalesce(sum(${latest.deleted}), 0)` })
      .from(latest)
      .where(sql`${latest.hash} <> ${PURGED}`)
      .get()!;
  }

  function chainOf(snapshot: SnapshotRow): string[] {
    const chain = [snapshot.id];
    let baseId = snapshot.baseSnapshotId;
    while (baseId) {
      const base = snapshotById.get({ id: baseId });
      if (!base) break;
      chain.push(base.id);
      baseId = base.baseSnapshotId;
    }
    return chain;
  }

  function missingRecordIds(chain: string[], objects: string[], recordIds: string[]): string[] {
    const held = and(inArray(snapshotRecords.snapshotId, chain), inArray(snapshotRecords.object, objects), inList(snapshotRecords.recordId, recordIds));
    // Usually every id is there: counting them spares reading tens of thousands of rows back.
    const { count } = db.select({ count: countDistinct(snapshotRecords.recordId) }).from(snapshotRecords).where(held).get()!;
    if (count === new Set(recordIds).size) return [];
    const found = new Set(db.selectDistinct({ recordId: snapshotRecords.recordId }).from(snapshotRecords).where(held).all().map((row) => row.recordId));
    return recordIds.filter((id) => !found.has(id));
  }

  const byIdsFilter = () => inListPlaceholder(snapshotRecords.recordId, sql.placeholder('recordIds'));

  return {
    begin: promised((instanceId: string, jobId: string, baseSnapshotId: string | null) => {
      const last = db
        .select({ sequence: sql<number>`coalesce(max(${snapshots.sequence}), 0)` })
        .from(snapshots)
        .where(eq(snapshots.instanceId, instanceId))
        .get()!;
      return db
        .insert(snapshots)
        .values({ id: randomUUID(), instanceId, jobId, baseSnapshotId, sequence: last.sequence + 1 })
        .returning()
        .get();
    }),
    writeRecords: promised((snapshotId, object, rows) => writeTransaction(db, () => writeRecords(snapshotId, object, rows))),
    discardObject: promised((snapshotId: string, object: string) => {
      db.delete(snapshotRecords).where(and(eq(snapshotRecords.snapshotId, snapshotId), eq(snapshotRecords.object, object))).run();
    }),
    complete: promised((snapshotId, objects) =>
      writeTransaction(db, (tx) => {
        if (objects.length > 0) tx.insert(snapshotObjects).values(objects).run();
        tx.update(snapshots).set({ completedAt: new Date() }).where(eq(snapshots.id, snapshotId)).run();
      }),
    ),
    discardUnfinishedOf: promised((jobId: string) => {
      db.delete(snapshots).where(and(eq(snapshots.jobId, jobId), isNull(snapshots.completedAt))).run();
    }),
    discardIncomplete: promised(() => {
      const running = db.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, 'RUNNING'));
      return db.delete(snapshots).where(and(isNull(snapshots.completedAt), notInArray(snapshots.jobId, running))).run().changes;
    }),

    find: promised((id: string) =>
      db
        .select()
        .from(snapshots)
        .where(and(eq(snapshots.id, id), isNotNull(snapshots.completedAt)))
        .get(),
    ),
    byId: promised((id: string) => snapshotById.get({ id })),
    latestComplete: promised((instanceId: string) =>
      db
        .select()
        .from(snapshots)
        .where(and(eq(snapshots.instanceId, instanceId), isNotNull(snapshots.completedAt)))
        .orderBy(desc(snapshots.sequence))
        .get(),
    ),
    chainOf: promised(chainOf),
    objectsOf: promised((snapshotIds: readonly string[]) =>
      db.select().from(snapshotObjects).where(inArray(snapshotObjects.snapshotId, [...snapshotIds])).orderBy(asc(snapshotObjects.name)).all(),
    ),
    organisationOfInstance: promised((instanceId: string) => organisationOfInstance.get({ instanceId })!.organisationId),
    ownRows: promised((snapshotId: string, object: string) =>
      db
        .select({ recordId: snapshotRecords.recordId, deleted: snapshotRecords.deleted, versionHash: snapshotRecords.versionHash })
        .from(snapshotRecords)
        .where(and(eq(snapshotRecords.snapshotId, snapshotId), eq(snapshotRecords.object, object)))
        .all(),
    ),
    countAlong: promised(countAlong),
    async newestVersions(chain, object, page = {}) {
      if (page.limit !== undefined) return newestVersionsPage(slice, chain, object, { ...page, limit: page.limit });
      return newestVersionsQuery(chain, object, page.after === undefined ? undefined : gt(snapshotRecords.recordId, page.after)).all();
    },
    versionReader(chain, object) {
      // A restore reads thousands of batches: the statement is prepared once.
      const query = newestVersionsQuery(chain, object, byIdsFilter()).prepare();
      return promised((recordIds: string[]) => query.all({ recordIds: JSON.stringify(recordIds) }));
    },
    heldStates: promised(heldStates),
    recordIdPage: promised(recordIdPage),
    missingRecordIds: promised(missingRecordIds),
    threadStatement(chain, object) {
      const query = newestVersionsQuery(chain, object, byIdsFilter()).toSQL();
      return {
        databaseFile: sqlite.name,
        sql: query.sql,
        params: query.params.map((param) => (param instanceof Placeholder ? null : param)),
        recordIdsAt: query.params.findIndex((param) => param instanceof Placeholder),
      };
    },
  };
}
