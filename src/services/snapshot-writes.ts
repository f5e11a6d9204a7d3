import type { SnapshotObjectRow, SnapshotObjectState, SnapshotRow } from '../../db/schema.ts';
import { openedText, sealedBytes, sealedDigest, type OrganisationCipher } from './organisation-cipher.ts';
import { idsOf, sealBatch, type SealedBatch } from './record-sealing.ts';
import type { RecordText } from '../salesforce/query.ts';
import { PURGED, type SnapshotVersions } from './snapshot-versions.ts';

export interface CompletedObject {
  name: string;
  highWaterMark: string | null;
  state: SnapshotObjectState;
  reason: string | null;
  /** The object has base64 fields: count the files its records hold. */
  hasBlobs: boolean;
}

/**
 * What a backup writes: a snapshot begun, its records stored once by content hash (a row per
 * record names the version it holds), its per-object counts when it completes, and the clean-up
 * of snapshots a failed or interrupted backup left unfinished.
 */
export function createSnapshotWrites(versions: SnapshotVersions) {
  const { store } = versions;
  const instanceOf = async (snapshotId: string) => (await store.byId(snapshotId))!.instanceId;
  // A keyed digest names each version: equal contents of one organisation are stored once, and the
  // digest says nothing to whoever reads the database.
  const cipherOfSnapshot = async (snapshotId: string) => versions.cipherOfInstance(await instanceOf(snapshotId));

  function storeSealed(snapshotId: string, object: string, batch: SealedBatch): Promise<number> {
    const rows = idsOf(batch).map((recordId, i) => ({ recordId, hash: sealedDigest(batch, i), data: sealedBytes(batch, i), deleted: batch.deleted[i] === 1 }));
    return store.writeRecords(snapshotId, object, rows);
  }

  /** Files the object's records hold at the snapshot: fields whose value is `{"blob": name, "size": bytes}`. */
  async function filesOf(chain: string[], object: string, cipher: OrganisationCipher) {
    let count = 0;
    let bytes = 0;
    for await (const row of versions.newestVersions(chain, object)) {
      for (const value of Object.values(JSON.parse(openedText(cipher, row.data)) as Record<string, unknown>)) {
        const file = value as { blob?: unknown; size?: unknown } | null;
        if (file && typeof file === 'object' && typeof file.blob === 'string') {
          count += 1;
          bytes += Number(file.size ?? 0);
        }
      }
    }
    return { count, bytes };
  }

  /**
   * Live and deleted records of one object at the snapshot, purged ones left out. With its base's
   * counts, only its own rows are read: each replaces what the base held of its record.
   */
  async function countsOf(snapshot: SnapshotRow, chain: string[], object: string, base: { snapshot: SnapshotRow; counts: Map<string, SnapshotObjectRow> } | undefined) {
    const counted = base?.counts.get(object);
    if (!base || !counted) return store.countAlong(chain, object);
    const own = await store.ownRows(snapshot.id, object);
    const before = await versions.newestStates(base.snapshot, object, own.map((row) => row.recordId));
    let deleted = counted.deletedCount;
    let total = counted.recordCount + deleted;
    for (const row of own) {
      const held = before.get(row.recordId);
      if (held !== undefined) {
        total -= 1;
        if (held) deleted -= 1;
      }
      if (row.versionHash !== PURGED) {
        total += 1;
        if (row.deleted) deleted += 1;
      }
    }
    return { total, deleted };
  }

  return {
    begin: (instanceId: string, jobId: string, base: SnapshotRow | undefined): Promise<SnapshotRow> => store.begin(instanceId, jobId, base?.id ?? null),

    /**
     * Stores records in one transaction; versions already held are not stored again. Returns how
     * many were new versions: records new or changed (SystemModstamp is part of the contents).
     */
    async storeRecords(snapshotId: string, object: string, records: RecordText[]): Promise<number> {
      return storeSealed(snapshotId, object, sealBatch(await cipherOfSnapshot(snapshotId), object, records));
    },

    /** Stores records sealed elsewhere (a thread) with the snapshot's organisation key, as `storeRecords`. */
    storeSealed,

    /** The wrapped data key that seals the snapshot's records, for a thread that seals them. */
    wrappedKeyOfSnapshot: async (snapshotId: string) => versions.wrappedKeyOfInstance(await instanceOf(snapshotId)),

    /** Marks records as purged from the org since the snapshot's base. */
    async storePurged(snapshotId: string, object: string, recordIds: string[]): Promise<void> {
      await store.writeRecords(snapshotId, object, recordIds.map((recordId) => ({ recordId, hash: PURGED, data: 'null', deleted: true })));
    },

    /** Drops what a backup stored of an object it then skipped. */
    discardObject: (snapshotId: string, object: string): Promise<void> => store.discardObject(snapshotId, object),

    /** Per-object counts, states and high-water marks, then the snapshot becomes readable. */
    async complete(snapshot: SnapshotRow, objects: CompletedObject[]): Promise<void> {
      const chain = await versions.chainOf(snapshot);
      const baseSnapshot = snapshot.baseSnapshotId ? await store.byId(snapshot.baseSnapshotId) : undefined;
      const base = baseSnapshot && {
        snapshot: baseSnapshot,
        counts: new Map((await store.objectsOf([baseSnapshot.id])).map((row) => [row.name, row])),
      };
      const counts: SnapshotObjectRow[] = [];
      for (const { name, highWaterMark, state, reason, hasBlobs } of objects) {
        const { total, deleted } = await countsOf(snapshot, chain, name, base);
        const files = hasBlobs ? await filesOf(chain, name, await versions.cipherOfInstance(snapshot.instanceId)) : { count: 0, bytes: 0 };
        counts.push({
          snapshotId: snapshot.id, name, recordCount: total - deleted, deletedCount: deleted, highWaterMark, state, reason,
          blobCount: files.count, blobBytes: files.bytes,
        });
      }
      await store.complete(snapshot.id, counts);
    },

    /** Drops what a backup job stored before it failed or was cancelled; complete snapshots stay. */
    discardUnfinishedOf: (jobId: string): Promise<void> => store.discardUnfinishedOf(jobId),

    /** Drops snapshots a crash left unfinished (they were never readable), but not those a running job writes. */
    discardIncomplete: (): Promise<number> => store.discardIncomplete(),
  };
}
