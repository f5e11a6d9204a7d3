import type { SnapshotRow } from '../../db/schema.ts';
import type { NewestVersion, SnapshotStore, ThreadStatement } from '../../db/snapshot-store.ts';
import type { DataKeys } from './data-keys.ts';
import { openedText, type OrganisationCipher } from './organisation-cipher.ts';

export { PURGED, type StoredData } from '../../db/snapshot-store.ts';

export type SalesforceRecord = Record<string, unknown> & { Id: string };

export interface StoredRecord {
  object: string;
  recordId: string;
  deleted: boolean;
  data: SalesforceRecord;
}

// Records opened at a time when every newest version must be read (a search, counting files).
const OPENED_SLICE = 500;

/**
 * How a snapshot's records are found and opened. An incremental snapshot stores only what changed
 * since its base, so a record's state at a snapshot is its newest row along the chain of
 * snapshots back to the last full one (the store finds it); contents are sealed with the
 * organisation's data key.
 */
export function createSnapshotVersions(store: SnapshotStore, dataKeys: DataKeys) {
  /** The data key of the organisation an instance belongs to: its records are sealed with it. */
  const cipherOfInstance = async (instanceId: string): Promise<OrganisationCipher> => dataKeys.forOrganisation(await store.organisationOfInstance(instanceId));
  /** That key as stored (wrapped by SECRET_KEY), for a thread that opens or seals records. */
  const wrappedKeyOfInstance = async (instanceId: string): Promise<string> => dataKeys.wrappedKeyOf(await store.organisationOfInstance(instanceId));

  /** The snapshots whose rows make up this one's state, newest first: itself, then its bases. */
  const chainOf = (snapshot: SnapshotRow): Promise<string[]> => store.chainOf(snapshot);

  /**
   * Each record of one object at the snapshot and whether it was deleted, purged ones left out:
   * of the given ids, or of records once deleted, or all.
   */
  const newestStates = async (snapshot: SnapshotRow, object: string, which?: string[] | 'onceDeleted'): Promise<Map<string, boolean>> =>
    store.heldStates(await chainOf(snapshot), object, which);

  /** The newest version of each record of an object along a chain, a slice at a time in id order, after an id if given. */
  async function* newestVersions(chain: string[], object: string, from?: string): AsyncGenerator<NewestVersion> {
    let after = from;
    for (;;) {
      const rows = await store.newestVersions(chain, object, { after, limit: OPENED_SLICE });
      yield* rows;
      if (rows.length < OPENED_SLICE) return;
      after = rows.at(-1)!.recordId;
    }
  }

  const storedRecord =
    (object: string, cipher: OrganisationCipher) =>
    (row: NewestVersion): StoredRecord => ({
      object,
      recordId: row.recordId,
      deleted: row.deleted,
      data: JSON.parse(openedText(cipher, row.data)) as SalesforceRecord,
    });

  /**
   * Given records of one object as the snapshot holds them, deleted ones included, their contents
   * opened but not parsed: a restore reads thousands of batches, so the reading is prepared once.
   */
  async function openedReader(snapshot: SnapshotRow, object: string): Promise<(recordIds: string[]) => Promise<OpenedRecord[]>> {
    const read = store.versionReader(await chainOf(snapshot), object);
    const cipher = await cipherOfInstance(snapshot.instanceId);
    return async (recordIds) => (await read(recordIds)).map((row) => ({ recordId: row.recordId, deleted: row.deleted, json: openedText(cipher, row.data) }));
  }

  /**
   * What `openedReader` runs, for a thread that runs it on a connection of its own, with the data
   * key, wrapped; undefined where the engine reads off the process's thread already.
   */
  const openedReaderStatement = store.threadStatement
    ? async (snapshot: SnapshotRow, object: string): Promise<OpenedReaderStatement> => ({
        ...store.threadStatement!(await chainOf(snapshot), object),
        wrappedKey: await wrappedKeyOfInstance(snapshot.instanceId),
      })
    : undefined;

  return { store, cipherOfInstance, wrappedKeyOfInstance, chainOf, newestStates, newestVersions, storedRecord, openedReader, openedReaderStatement };
}

/** The newest-version reading of one object's given records as SQL text; its rows are `[recordId, deleted, data, sequence]`. */
export interface OpenedReaderStatement extends ThreadStatement {
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
