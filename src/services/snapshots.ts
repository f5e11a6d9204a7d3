import type { SnapshotObjectRow, SnapshotRow } from '../../db/schema.ts';
import type { SnapshotStore } from '../../db/snapshot-store.ts';
import { InvalidInputError } from '../errors.ts';
import type { DataKeys } from './data-keys.ts';
import { openedText } from './organisation-cipher.ts';
import { createSnapshotVersions, parsedRecord, type StoredRecord } from './snapshot-versions.ts';
import { createSnapshotWrites } from './snapshot-writes.ts';

export type { SalesforceRecord, StoredRecord } from './snapshot-versions.ts';
export type { CompletedObject } from './snapshot-writes.ts';

/** Records one search request opens at most (about 0.1 s of CPU for records of 2 KB). */
export const SEARCH_OPENED_PER_PAGE = 5_000;

/** Records a snapshot holds of one object, purged ones left out. */
export interface HeldRecords {
  /** Of these records, those it holds. */
  among(recordIds: string[]): Promise<Set<string>>;
  /** Those it holds as deleted (in the recycle bin). */
  deleted(): Promise<string[]>;
  /** All it holds, and whether each was deleted. */
  all(): Promise<Map<string, boolean>>;
}

/**
 * Snapshot storage: what backups write (snapshot-writes.ts) and what restores, exports and
 * queries read of a snapshot's records, each as it stood at the snapshot
 * (snapshot-versions.ts finds and opens them).
 */
export function createSnapshotService(store: SnapshotStore, dataKeys: DataKeys) {
  const versions = createSnapshotVersions(store, dataKeys);
  const { chainOf, newestStates, newestVersions, storedRecord, cipherOfInstance, openedReader, openedReaderStatement } = versions;

  return {
    ...createSnapshotWrites(versions),

    /** Unchecked: the caller was authorised by other means (a job, a checked snapshot). */
    find: (id: string): Promise<SnapshotRow | undefined> => store.find(id),

    latestComplete: (instanceId: string): Promise<SnapshotRow | undefined> => store.latestComplete(instanceId),

    chainLength: async (snapshot: SnapshotRow) => (await chainOf(snapshot)).length,

    /** The snapshots whose rows make up this one's state, newest first: itself, then its bases. */
    chain: (snapshot: SnapshotRow): Promise<string[]> => chainOf(snapshot),

    objectsOf: (snapshotIds: readonly string[]): Promise<SnapshotObjectRow[]> => store.objectsOf(snapshotIds),

    /** The organisation an instance belongs to: its records and files are sealed with its key. */
    organisationOfInstance: (instanceId: string): Promise<string> => store.organisationOfInstance(instanceId),

    /** What the snapshot holds of one object (purged records left out), read only as far as asked. */
    heldRecords(snapshot: SnapshotRow, object: string): HeldRecords {
      return {
        among: async (recordIds) => new Set((await newestStates(snapshot, object, recordIds)).keys()),
        deleted: async () => Array.from(await newestStates(snapshot, object, 'onceDeleted')).flatMap(([recordId, deleted]) => (deleted ? [recordId] : [])),
        all: () => newestStates(snapshot, object),
      };
    },

    /** The records of one object as they stood at the snapshot, deleted ones included, in id order after `after` if given. */
    async state(snapshot: SnapshotRow, object: string, page: { limit?: number; after?: string } = {}): Promise<StoredRecord[]> {
      const toStored = storedRecord(object, await cipherOfInstance(snapshot.instanceId));
      return (await store.newestVersions(await chainOf(snapshot), object, page)).map(toStored);
    },

    /** One record of one object as it stood at the snapshot, deleted or not; null when the snapshot holds none by that id. */
    async record(snapshot: SnapshotRow, object: string, recordId: string): Promise<StoredRecord | null> {
      const [row] = await store.versionReader(await chainOf(snapshot), object)([recordId]);
      return row ? storedRecord(object, await cipherOfInstance(snapshot.instanceId))(row) : null;
    },

    /**
     * Up to `limit` records of one object at the snapshot whose contents hold `search` (in any
     * case), in id order after `after`. Contents are sealed, so a search opens records in turn,
     * matching the JSON text as the database's LIKE did. It opens at most `SEARCH_OPENED_PER_PAGE`
     * and then says the last one it opened, so that no request opens a whole large object.
     */
    async search(snapshot: SnapshotRow, object: string, search: string, page: { limit: number; after?: string }): Promise<{ found: StoredRecord[]; stoppedAfter?: string }> {
      const cipher = await cipherOfInstance(snapshot.instanceId);
      const toStored = storedRecord(object, cipher);
      const needle = search.toLowerCase();
      const found: StoredRecord[] = [];
      let opened = 0;
      for await (const row of newestVersions(await chainOf(snapshot), object, page.after)) {
        const text = openedText(cipher, row.data);
        if (text.toLowerCase().includes(needle) && found.push(toStored({ ...row, data: text })) >= page.limit) return { found };
        if (++opened === SEARCH_OPENED_PER_PAGE) return { found, stoppedAfter: row.recordId };
      }
      return { found };
    },

    /** The ids of one object's records the snapshot holds and that were not deleted, of those given if any. */
    async liveRecordIds(snapshot: SnapshotRow, object: string, recordIds?: string[]): Promise<string[]> {
      return Array.from(await newestStates(snapshot, object, recordIds)).flatMap(([recordId, deleted]) => (deleted ? [] : [recordId]));
    },

    openedReaderStatement,

    /** Reads given records of one object from the snapshot, deleted ones included, a batch at a time. */
    async recordReader(snapshot: SnapshotRow, object: string): Promise<(recordIds: string[]) => Promise<StoredRecord[]>> {
      const read = await openedReader(snapshot, object);
      const toStored = parsedRecord(object);
      return async (recordIds) => (await read(recordIds)).map(toStored);
    },

    /** The ids of one object's records along a chain, whatever their state, in id order, a page at a time. */
    async *recordIdPages(chain: readonly string[], object: string, size: number): AsyncGenerator<string[]> {
      let after = '';
      for (;;) {
        const page = await store.recordIdPage(chain, object, after, size);
        if (page.length === 0) return;
        yield page;
        if (page.length < size) return;
        after = page.at(-1)!;
      }
    },

    /** The ids, of those given, that no object of the snapshot holds. */
    async missingRecordIds(snapshot: SnapshotRow, objects: string[], recordIds: string[]): Promise<string[]> {
      return store.missingRecordIds(await chainOf(snapshot), objects, recordIds);
    },

    async requireObjects(snapshot: SnapshotRow, requested: string[]): Promise<string[]> {
      return chooseObjects(requested, (await store.objectsOf([snapshot.id])).map((o) => o.name), 'the snapshot');
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
