import { randomUUID } from 'node:crypto';
import { and, asc, countDistinct, desc, eq, gt, inArray, isNotNull, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.ts';
import { inList, inListPlaceholder } from '../../db/in-list.ts';
import { prepareRecordWrites } from '../../db/record-writes.ts';
import {
  instances,
  jobs,
  recordVersions,
  snapshotObjects,
  snapshotRecords,
  snapshots,
  type SnapshotObjectRow,
  type SnapshotObjectState,
  type SnapshotRow,
} from '../../db/schema.ts';
import { InvalidInputError } from '../errors.ts';
import type { DataKeys, OrganisationCipher } from './data-keys.ts';

export type SalesforceRecord = Record<string, unknown> & { Id: string };

export interface StoredRecord {
  object: string;
  recordId: string;
  deleted: boolean;
  data: SalesforceRecord;
}

// Records opened at a time when every newest version must be read (a search, counting files).
const OPENED_SLICE = 500;

/** Stored contents: sealed bytes, or the plain JSON of rows written before encryption at rest. */
type StoredData = Buffer | string;

/**
 * The version a snapshot names for a record purged from Salesforce (emptied recycle bin, hard
 * delete): the record is no longer part of the org from that snapshot on.
 */
const PURGED = 'purged';

export interface CompletedObject {
  name: string;
  highWaterMark: string | null;
  state: SnapshotObjectState;
  reason: string | null;
  /** The object has base64 fields: count the files its records hold. */
  hasBlobs: boolean;
}

/**
 * Snapshot storage. Record contents are stored once by content hash; a snapshot row per record
 * names the version it holds. An incremental snapshot stores only what changed since its base,
 * so its full state is its own rows laid over the chain of snapshots back to the last full one.
 */
export function createSnapshotService({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>, dataKeys: DataKeys) {
  const { insertVersion, insertMembership } = prepareRecordWrites(sqlite);
  const organisationOfInstance = db
    .select({ organisationId: instances.organisationId })
    .from(instances)
    .where(eq(instances.id, sql.placeholder('instanceId')))
    .prepare();
  const instanceOfSnapshot = db.select({ instanceId: snapshots.instanceId }).from(snapshots).where(eq(snapshots.id, sql.placeholder('snapshotId'))).prepare();

  /** The data key of the organisation an instance belongs to: its records are sealed with it. */
  const cipherOfInstance = (instanceId: string): OrganisationCipher =>
    dataKeys.forOrganisation(organisationOfInstance.get({ instanceId })!.organisationId);
  const opened = (cipher: OrganisationCipher, data: StoredData): string =>
    typeof data === 'string' ? data : cipher.open(data).toString('utf8');

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

  /** The newest row of each record of one object along a snapshot chain. */
  function newestVersionsQuery(
    chain: string[],
    object: string,
    filter: SQL | undefined,
    options: { limit?: number; offset?: number } = {},
  ) {
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

  /** The newest row of each record of one object along the snapshot's chain, of the given ids if any, by id. */
  function newestRows(snapshot: SnapshotRow, object: string, recordIds?: string[]) {
    return db
      .select({ recordId: snapshotRecords.recordId, deleted: snapshotRecords.deleted, hash: snapshotRecords.versionHash, sequence: sql<number>`max(${snapshots.sequence})` })
      .from(snapshotRecords)
      .innerJoin(snapshots, eq(snapshots.id, snapshotRecords.snapshotId))
      .where(
        and(
          inArray(snapshotRecords.snapshotId, chainOf(snapshot)),
          eq(snapshotRecords.object, object),
          recordIds ? inList(snapshotRecords.recordId, recordIds) : undefined,
        ),
      )
      .groupBy(snapshotRecords.recordId)
      .orderBy(asc(snapshotRecords.recordId))
      .all();
  }

  const storedRecord =
    (object: string, cipher: OrganisationCipher) =>
    (row: { recordId: string; deleted: boolean; data: StoredData }): StoredRecord => ({
      object,
      recordId: row.recordId,
      deleted: row.deleted,
      data: JSON.parse(opened(cipher, row.data)) as SalesforceRecord,
    });

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

  /** Files the object's records hold at the snapshot: fields whose value is `{"blob": name, "size": bytes}`. */
  function filesOf(chain: string[], object: string, cipher: OrganisationCipher) {
    let count = 0;
    let bytes = 0;
    for (const row of newestVersions(chain, object)) {
      for (const value of Object.values(JSON.parse(opened(cipher, row.data)) as Record<string, unknown>)) {
        const file = value as { blob?: unknown; size?: unknown } | null;
        if (file && typeof file === 'object' && typeof file.blob === 'string') {
          count += 1;
          bytes += Number(file.size ?? 0);
        }
      }
    }
    return { count, bytes };
  }

  return {
    /** Unchecked: the caller was authorised by other means (a job, a checked snapshot). */
    find(id: string): SnapshotRow | undefined {
      return db
        .select()
        .from(snapshots)
        .where(and(eq(snapshots.id, id), isNotNull(snapshots.completedAt)))
        .get();
    },

    latestComplete(instanceId: string): SnapshotRow | undefined {
      return db
        .select()
        .from(snapshots)
        .where(and(eq(snapshots.instanceId, instanceId), isNotNull(snapshots.completedAt)))
        .orderBy(desc(snapshots.sequence))
        .get();
    },

    chainLength: (snapshot: SnapshotRow) => chainOf(snapshot).length,

    /** The snapshots whose rows make up this one's state, newest first: itself, then its bases. */
    chain: (snapshot: SnapshotRow): string[] => chainOf(snapshot),

    objectsOf(snapshotIds: readonly string[]): SnapshotObjectRow[] {
      return db.select().from(snapshotObjects).where(inArray(snapshotObjects.snapshotId, [...snapshotIds])).orderBy(asc(snapshotObjects.name)).all();
    },

    begin(instanceId: string, jobId: string, base: SnapshotRow | undefined): SnapshotRow {
      const last = db
        .select({ sequence: sql<number>`coalesce(max(${snapshots.sequence}), 0)` })
        .from(snapshots)
        .where(eq(snapshots.instanceId, instanceId))
        .get()!;
      return db
        .insert(snapshots)
        .values({ id: randomUUID(), instanceId, jobId, baseSnapshotId: base?.id ?? null, sequence: last.sequence + 1 })
        .returning()
        .get();
    },

    /**
     * Stores records in one transaction; versions already held are not stored again.
     * Drops each record's `attributes` (Salesforce's type and URL envelope) in place: copying every
     * record to leave it out cost more than storing it.
     */
    storeRecords(snapshotId: string, object: string, records: SalesforceRecord[]): void {
      const cipher = cipherOfInstance(instanceOfSnapshot.get({ snapshotId })!.instanceId);
      db.transaction(() => {
        for (const record of records) {
          record.attributes = undefined;
          const json = JSON.stringify(record);
          // A keyed digest: equal contents of one organisation are stored once, and the digest says
          // nothing to whoever reads the database.
          const versionHash = cipher.digest(`${object}\0${json}`);
          insertVersion.run({ recordId: record.Id, hash: versionHash, data: cipher.seal(json) });
          insertMembership.run({ snapshotId, object, recordId: record.Id, versionHash, deleted: record.IsDeleted === true ? 1 : 0 });
        }
      });
    },

    /** Marks records as purged from the org since the snapshot's base. */
    storePurged(snapshotId: string, object: string, recordIds: string[]): void {
      db.transaction(() => {
        for (const recordId of recordIds) {
          insertVersion.run({ recordId, hash: PURGED, data: 'null' });
          insertMembership.run({ snapshotId, object, recordId, versionHash: PURGED, deleted: 1 });
        }
      });
    },

    /** Drops what a backup stored of an object it then skipped. */
    discardObject(snapshotId: string, object: string): void {
      db.delete(snapshotRecords).where(and(eq(snapshotRecords.snapshotId, snapshotId), eq(snapshotRecords.object, object))).run();
    },

    /** Every record of one object the snapshot holds (purged ones left out), with whether it was deleted. */
    recordIds(snapshot: SnapshotRow, object: string): Map<string, boolean> {
      return new Map(newestRows(snapshot, object).filter((row) => row.hash !== PURGED).map((row) => [row.recordId, row.deleted]));
    },

    /** The records of one object as they stood at the snapshot, deleted ones included. */
    state(snapshot: SnapshotRow, object: string, options: { search?: string; limit?: number; offset?: number } = {}): StoredRecord[] {
      const cipher = cipherOfInstance(snapshot.instanceId);
      const toStored = storedRecord(object, cipher);
      const { search, limit = Number.POSITIVE_INFINITY, offset = 0 } = options;
      if (!search) return newestVersionsQuery(chainOf(snapshot), object, undefined, options).all().map(toStored);
      // Contents are sealed: a search opens the newest versions in turn until the page is full,
      // matching the JSON text as the database's LIKE did.
      const needle = search.toLowerCase();
      const found: StoredRecord[] = [];
      let skipped = 0;
      for (const row of newestVersions(chainOf(snapshot), object)) {
        const text = opened(cipher, row.data);
        if (!text.toLowerCase().includes(needle)) continue;
        if (skipped < offset) skipped += 1;
        else if (found.push(toStored({ ...row, data: text })) >= limit) break;
      }
      return found;
    },

    /** The ids of one object's records the snapshot holds and that were not deleted, of those given if any. */
    liveRecordIds(snapshot: SnapshotRow, object: string, recordIds?: string[]): string[] {
      return newestRows(snapshot, object, recordIds)
        .filter((row) => !row.deleted)
        .map((row) => row.recordId);
    },

    /**
     * Reads given records of one object from the snapshot, deleted ones included, a batch at a
     * time: a restore reads thousands of batches, so the statement is prepared once.
     */
    recordReader(snapshot: SnapshotRow, object: string): (recordIds: string[]) => StoredRecord[] {
      const filter = inListPlaceholder(snapshotRecords.recordId, sql.placeholder('recordIds'));
      const query = newestVersionsQuery(chainOf(snapshot), object, filter).prepare();
      const toStored = storedRecord(object, cipherOfInstance(snapshot.instanceId));
      return (recordIds) => query.all({ recordIds: JSON.stringify(recordIds) }).map(toStored);
    },

    /** The ids, of those given, that no object of the snapshot holds. */
    missingRecordIds(snapshot: SnapshotRow, objects: string[], recordIds: string[]): string[] {
      const held = and(
        inArray(snapshotRecords.snapshotId, chainOf(snapshot)),
        inArray(snapshotRecords.object, objects),
        inList(snapshotRecords.recordId, recordIds),
      );
      // Usually every id is there: counting them spares reading tens of thousands of rows back.
      const { count } = db.select({ count: countDistinct(snapshotRecords.recordId) }).from(snapshotRecords).where(held).get()!;
      if (count === new Set(recordIds).size) return [];
      const found = new Set(db.selectDistinct({ recordId: snapshotRecords.recordId }).from(snapshotRecords).where(held).all().map((row) => row.recordId));
      return recordIds.filter((id) => !found.has(id));
    },

    /** Per-object counts, states and high-water marks, then the snapshot becomes readable. */
    complete(snapshot: SnapshotRow, objects: CompletedObject[]): void {
      const chain = chainOf(snapshot);
      const counts = objects.map(({ name, highWaterMark, state, reason, hasBlobs }) => {
        const latest = db
          .select({
            recordId: snapshotRecords.recordId,
            versionHash: snapshotRecords.versionHash,
            deleted: snapshotRecords.deleted,
            sequence: sql<number>`max(${snapshots.sequence})`.as('sequence'),
          })
          .from(snapshotRecords)
          .innerJoin(snapshots, eq(snapshots.id, snapshotRecords.snapshotId))
          .where(and(inArray(snapshotRecords.snapshotId, chain), eq(snapshotRecords.object, name)))
          .groupBy(snapshotRecords.recordId)
          .as('latest');
        const { total, deleted } = db
          .select({ total: sql<number>`count(*)`, deleted: sql<number>`coalesce(sum(${latest.deleted}), 0)` })
          .from(latest)
          .where(sql`${latest.versionHash} <> ${PURGED}`)
          .get()!;
        const files = hasBlobs ? filesOf(chain, name, cipherOfInstance(snapshot.instanceId)) : { count: 0, bytes: 0 };
        return {
          snapshotId: snapshot.id, name, recordCount: total - deleted, deletedCount: deleted, highWaterMark, state, reason,
          blobCount: files.count, blobBytes: files.bytes,
        };
      });
      db.transaction((tx) => {
        if (counts.length > 0) tx.insert(snapshotObjects).values(counts).run();
        tx.update(snapshots).set({ completedAt: new Date() }).where(eq(snapshots.id, snapshot.id)).run();
      });
    },

    /** Drops what a backup job stored before it failed or was cancelled; complete snapshots stay. */
    discardUnfinishedOf(jobId: string): void {
      db.delete(snapshots).where(and(eq(snapshots.jobId, jobId), isNull(snapshots.completedAt))).run();
    },

    /** Drops snapshots a crash left unfinished (they were never readable), but not those a running job writes. */
    discardIncomplete(): number {
      const running = db.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, 'RUNNING'));
      return db.delete(snapshots).where(and(isNull(snapshots.completedAt), notInArray(snapshots.jobId, running))).run().changes;
    },

    requireObjects(snapshot: SnapshotRow, requested: string[]): string[] {
      const known = this.objectsOf([snapshot.id]).map((o) => o.name);
      const unknown = requested.filter((name) => !known.includes(name));
      if (unknown.length > 0) throw new InvalidInputError(`Objects not in the snapshot: ${unknown.join(', ')}`, 'objects', unknown);
      return requested.length > 0 ? requested : known;
    },
  };
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;
