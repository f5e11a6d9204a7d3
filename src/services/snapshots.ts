import { and, asc, countDistinct, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.ts';
import { inList } from '../../db/in-list.ts';
import { snapshotObjects, snapshotRecords, snapshots, type SnapshotObjectRow, type SnapshotRow } from '../../db/schema.ts';
import { InvalidInputError } from '../errors.ts';
import type { DataKeys } from './data-keys.ts';
import { openedText } from './organisation-cipher.ts';
import { createSnapshotVersions, parsedRecord, type StoredRecord } from './snapshot-versions.ts';
import { createSnapshotWrites } from './snapshot-writes.ts';

export type { SalesforceRecord, StoredRecord } from './snapshot-versions.ts';
export type { CompletedObject } from './snapshot-writes.ts';

/** Records a snapshot holds of one object, purged ones left out. */
export interface HeldRecords {
  /** Of these records, those it holds. */
  among(recordIds: string[]): Set<string>;
  /** Those it holds as deleted (in the recycle bin). */
  deleted(): string[];
  /** All it holds, and whether each was deleted. */
  all(): Map<string, boolean>;
}

/**
 * Snapshot storage: what backups write (snapshot-writes.ts) and what restores, exports and
 * queries read of a snapshot's records, each as it stood at the snapshot
 * (snapshot-versions.ts finds and opens them).
 */
export function createSnapshotService(handle: Pick<DatabaseHandle, 'db' | 'sqlite'>, dataKeys: DataKeys) {
  const { db } = handle;
  const versions = createSnapshotVersions(handle, dataKeys);
  const { chainOf, newestVersionsQuery, newestRows, newestStates, newestVersions, storedRecord, cipherOfInstance, openedReader, openedReaderStatement } = versions;

  return {
    ...createSnapshotWrites(handle, versions),

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

    /** What the snapshot holds of one object (purged records left out), read only as far as asked. */
    heldRecords(snapshot: SnapshotRow, object: string): HeldRecords {
      return {
        among: (recordIds) => new Set(Array.from(newestStates(snapshot, object, recordIds), ([recordId]) => recordId)),
        deleted: () => Array.from(newestStates(snapshot, object, 'onceDeleted')).flatMap(([recordId, deleted]) => (deleted ? [recordId] : [])),
        all: () => new Map(newestStates(snapshot, object)),
      };
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
        const text = openedText(cipher, row.data);
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

    openedReaderStatement,

    /** Reads given records of one object from the snapshot, deleted ones included, a batch at a time. */
    recordReader(snapshot: SnapshotRow, object: string): (recordIds: string[]) => StoredRecord[] {
      const read = openedReader(snapshot, object);
      const toStored = parsedRecord(object);
      return (recordIds) => read(recordIds).map(toStored);
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

    requireObjects(snapshot: SnapshotRow, requested: string[]): string[] {
      return chooseObjects(requested, this.objectsOf([snapshot.id]).map((o) => o.name), 'the snapshot');
    },
  };
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;

/** The objects a request names, all of `known` when it names none; a name not known is refused. */
export function chooseObjects(requested: string[], known: string[], where: string): string[] {
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new InvalidInputError(`Objects not in ${where}: ${unknown.join(', ')}`, 'objects', unknown);
  return requested.length > 0 ? requested : known;
}
