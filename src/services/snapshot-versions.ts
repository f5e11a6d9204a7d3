import { and, asc, eq, gt, inArray, Placeholder, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DatabaseHandle } from '../../db/client.ts';
import { inList, inListPlaceholder } from '../../db/in-list.ts';
import { instances, recordVersions, snapshotRecords, snapshots, type SnapshotRow } from '../../db/schema.ts';
import type { DataKeys } from './data-keys.ts';
import { openedText, type OrganisationCipher } from './organisation-cipher.ts';

export type SalesforceRecord = Record<string, unknown> & { Id: string };

export interface StoredRecord {
  object: string;
  recordId: string;
  deleted: boolean;
  data: SalesforceRecord;
}

/** Stored contents: sealed bytes, or the plain JSON of rows written before encryption at rest. */
export type StoredData = Buffer | string;

/**
 * The version a snapshot names for a record purged from Salesforce (emptied recycle bin, hard
 * delete): the record is no longer part of the org from that snapshot on.
 */
export const PURGED = 'purged';

// Records opened at a time when every newest version must be read (a search, counting files).
const OPENED_SLICE = 500;

/**
 * How a snapshot's records are found and opened. An incremental snapshot stores only what changed
 * since its base, so a record's state at a snapshot is its newest row along the chain of
 * snapshots back to the last full one; contents are sealed with the organisation's data key.
 */
export function createSnapshotVersions({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>, dataKeys: DataKeys) {
  const organisationOfInstance = db
    .select({ organisationId: instances.organisationId })
    .from(instances)
    .where(eq(instances.id, sql.placeholder('instanceId')))
    .prepare();

  /** The data key of the organisation an instance belongs to: its records are sealed with it. */
  const cipherOfInstance = (instanceId: string): OrganisationCipher =>
    dataKeys.forOrganisation(organisationOfInstance.get({ instanceId })!.organisationId);
  /** That key as stored (wrapped by SECRET_KEY), for a thread that opens or seals records. */
  const wrappedKeyOfInstance = (instanceId: string): string => dataKeys.wrappedKeyOf(organisationOfInstance.get({ instanceId })!.organisationId);

  /** The snapshots whose rows make up this one's state, newest first: itself, then its bases. */
  function chainOf(snapshot: SnapshotRow): string[] {
    const chain = [snapshot.id];
    let baseId = snapshot.baseSnapshotId;
    while (baseId) {
      const base = db.select().from(snapshots).where(eq(snapshots.id, baseId)).get();
      if (!base) break;
      chain.push(base.id);
      baseId = base.baseSnapshotId;
    }
    return chain;
  }

  /** The newest row of each record of one object along a snapshot chain, with its contents. */
  function newestVersionsQuery(chain: string[], object: string, filter: SQL | undefined, options: { limit?: number; offset?: number } = {}) {
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
      .orderBy(asc(snapshotRecords.recordId))
      .limit(options.limit ?? -1)
      .offset(options.offset ?? 0);
  }

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

  function newestRows(snapshot: SnapshotRow, object: string, recordIds?: string[]) {
    return newestRowsQuery(chainOf(snapshot), object, recordIds).all();
  }

  /**
   * Each record of one object at the snapshot and whether it was deleted, purged ones left out, a
   * row at a time: an object holds hundreds of thousands of records on a large org, and reading
   * them all at once (Drizzle's rows, then its objects) took an incremental backup past 500 MB.
   */
  function* newestStates(snapshot: SnapshotRow, object: string, which?: string[] | 'onceDeleted'): Generator<[recordId: string, deleted: boolean]> {
    const query = newestRowsQuery(chainOf(snapshot), object, which).toSQL();
    const rows = sqlite.prepare(query.sql).raw().iterate(...query.params) as IterableIterator<[recordId: string, deleted: number, hash: string]>;
    for (const [recordId, deleted, hash] of rows) if (hash !== PURGED) yield [recordId, deleted === 1];
  }

  /** The newest version of each record of an object along a chain, a slice at a time in id order. */
  function* newestVersions(chain: string[], object: string) {
    let after = '';
    for (;;) {
      const rows = newestVersionsQuery(chain, object, gt(snapshotRecords.recordId, after), { limit: OPENED_SLICE }).all();
      yield* rows;
      if (rows.length < OPENED_SLICE) return;
      after = rows.at(-1)!.recordId;
    }
  }

  const storedRecord =
    (object: string, cipher: OrganisationCipher) =>
    (row: { recordId: string; deleted: boolean; data: StoredData }): StoredRecord => ({
      object,
      recordId: row.recordId,
      deleted: row.deleted,
      data: JSON.parse(openedText(cipher, row.data)) as SalesforceRecord,
    });

  /**
   * Given records of one object as the snapshot holds them, deleted ones included, their contents
   * opened but not parsed: a restore reads thousands of batches, so the statement is prepared once.
   */
  function openedReader(snapshot: SnapshotRow, object: string): (recordIds: string[]) => OpenedRecord[] {
    const filter = inListPlaceholder(snapshotRecords.recordId, sql.placeholder('recordIds'));
    const query = newestVersionsQuery(chainOf(snapshot), object, filter).prepare();
    const cipher = cipherOfInstance(snapshot.instanceId);
    return (recordIds) => query.all({ recordIds: JSON.stringify(recordIds) }).map((row) => ({ recordId: row.recordId, deleted: row.deleted, json: openedText(cipher, row.data) }));
  }

  /**
   * What `openedReader` runs, for a thread that runs it on a connection of its own: the SQL, its
   * parameters (the record ids go at `recordIdsAt`, as one JSON list) and the data key, wrapped.
   */
  function openedReaderStatement(snapshot: SnapshotRow, object: string): OpenedReaderStatement {
    const filter = inListPlaceholder(snapshotRecords.recordId, sql.placeholder('recordIds'));
    const query = newestVersionsQuery(chainOf(snapshot), object, filter).toSQL();
    return {
      sql: query.sql,
      params: query.params.map((param) => (param instanceof Placeholder ? null : param)),
      recordIdsAt: query.params.findIndex((param) => param instanceof Placeholder),
      wrappedKey: wrappedKeyOfInstance(snapshot.instanceId),
    };
  }

  return { cipherOfInstance, wrappedKeyOfInstance, chainOf, newestVersionsQuery, newestRowsQuery, newestRows, newestStates, newestVersions, storedRecord, openedReader, openedReaderStatement };
}

/** The newest-version query of one object's given records as SQL text; its rows are `[recordId, deleted, data, sequence]`. */
export interface OpenedReaderStatement {
  sql: string;
  params: unknown[];
  recordIdsAt: number;
  wrappedKey: string;
}

/** A stored record with its contents still as JSON text. */
export interface OpenedRecord {
  recordId: string;
  deleted: boolean;
  json: string;
}

export const parsedRecord =
  (object: string) =>
  ({ recordId, deleted, json }: OpenedRecord): StoredRecord => ({ object, recordId, deleted, data: JSON.parse(json) as SalesforceRecord });

export type SnapshotVersions = ReturnType<typeof createSnapshotVersions>;
