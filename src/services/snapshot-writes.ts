import { randomUUID } from 'node:crypto';
import { and, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.ts';
import { prepareRecordWrites } from '../../db/record-writes.ts';
import { jobs, snapshotObjects, snapshotRecords, snapshots, type SnapshotObjectRow, type SnapshotObjectState, type SnapshotRow } from '../../db/schema.ts';
import { openedText, sealedBytes, sealedDigest, type OrganisationCipher } from './organisation-cipher.ts';
import { idsOf, sealBatch, type SealedBatch } from './record-sealing.ts';
import type { RecordText } from '../salesforce/query.ts';
import { PURGED, type SnapshotVersions } from './snapshot-versions.ts';
import { writeTransaction } from '../../db/write-transaction.ts';

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
export function createSnapshotWrites({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>, versions: SnapshotVersions) {
  const { writeRecords } = prepareRecordWrites(sqlite);
  const instanceOfSnapshot = db.select({ instanceId: snapshots.instanceId }).from(snapshots).where(eq(snapshots.id, sql.placeholder('snapshotId'))).prepare();

  const instanceOf = (snapshotId: string) => instanceOfSnapshot.get({ snapshotId })!.instanceId;
  // A keyed digest names each version: equal contents of one organisation are stored once, and the
  // digest says nothing to whoever reads the database.
  const cipherOfSnapshot = (snapshotId: string) => versions.cipherOfInstance(instanceOf(snapshotId));

  function storeSealed(snapshotId: string, object: string, batch: SealedBatch): number {
    const rows = idsOf(batch).map((recordId, i) => ({ recordId, hash: sealedDigest(batch, i), data: sealedBytes(batch, i), deleted: batch.deleted[i] === 1 }));
    return writeTransaction(db, () => writeRecords(snapshotId, object, rows));
  }

  /** Files the object's records hold at the snapshot: fields whose value is `{"blob": name, "size": bytes}`. */
  function filesOf(chain: string[], object: string, cipher: OrganisationCipher) {
    let count = 0;
    let bytes = 0;
    for (const row of versions.newestVersions(chain, object)) {
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
  function countsOf(snapshot: SnapshotRow, chain: string[], object: string, base: { snapshot: SnapshotRow; counts: Map<string, SnapshotObjectRow> } | undefined) {
    const counted = base?.counts.get(object);
    if (!base || !counted) return countAlong(chain, object);
    const own = db
      .select({ recordId: snapshotRecords.recordId, deleted: snapshotRecords.deleted, versionHash: snapshotRecords.versionHash })
      .from(snapshotRecords)
      .where(and(eq(snapshotRecords.snapshotId, snapshot.id), eq(snapshotRecords.object, object)))
      .all();
    const before = new Map(versions.newestStates(base.snapshot, object, own.map((row) => row.recordId)));
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

  /** The same, counted along the whole chain. */
  function countAlong(chain: string[], object: string) {
    if (chain.length === 1) {
      // A snapshot without a base holds one row per record: no newest row to pick.
      return db
        .select({ total: sql<number>`count(*)`, deleted: sql<number>`coalesce(sum(${snapshotRecords.deleted}), 0)` })
        .from(snapshotRecords)
        .where(and(eq(snapshotRecords.snapshotId, chain[0]), eq(snapshotRecords.object, object), sql`${snapshotRecords.versionHash} <> ${PURGED}`))
        .get()!;
    }
    const latest = versions.newestRowsQuery(chain, object, undefined).as('latest');
    return db
      .select({ total: sql<number>`count(*)`, deleted: sql<number>`coalesce(sum(${latest.deleted}), 0)` })
      .from(latest)
      .where(sql`${latest.hash} <> ${PURGED}`)
      .get()!;
  }

  return {
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
     * Stores records in one transaction; versions already held are not stored again. Returns how
     * many were new versions: records new or changed (SystemModstamp is part of the contents).
     */
    storeRecords(snapshotId: string, object: string, records: RecordText[]): number {
      return storeSealed(snapshotId, object, sealBatch(cipherOfSnapshot(snapshotId), object, records));
    },

    /** Stores records sealed elsewhere (a thread) with the snapshot's organisation key, as `storeRecords`. */
    storeSealed,

    /** The wrapped data key that seals the snapshot's records, for a thread that seals them. */
    wrappedKeyOfSnapshot: (snapshotId: string) => versions.wrappedKeyOfInstance(instanceOf(snapshotId)),

    /** Marks records as purged from the org since the snapshot's base. */
    storePurged(snapshotId: string, object: string, recordIds: string[]): void {
      const rows = recordIds.map((recordId) => ({ recordId, hash: PURGED, data: 'null', deleted: true }));
      writeTransaction(db, () => writeRecords(snapshotId, object, rows));
    },

    /** Drops what a backup stored of an object it then skipped. */
    discardObject(snapshotId: string, object: string): void {
      db.delete(snapshotRecords).where(and(eq(snapshotRecords.snapshotId, snapshotId), eq(snapshotRecords.object, object))).run();
    },

    /** Per-object counts, states and high-water marks, then the snapshot becomes readable. */
    complete(snapshot: SnapshotRow, objects: CompletedObject[]): void {
      const chain = versions.chainOf(snapshot);
      const baseSnapshot = snapshot.baseSnapshotId ? db.select().from(snapshots).where(eq(snapshots.id, snapshot.baseSnapshotId)).get() : undefined;
      const base = baseSnapshot && {
        snapshot: baseSnapshot,
        counts: new Map(db.select().from(snapshotObjects).where(eq(snapshotObjects.snapshotId, baseSnapshot.id)).all().map((row) => [row.name, row])),
      };
      const counts = objects.map(({ name, highWaterMark, state, reason, hasBlobs }) => {
        const { total, deleted } = countsOf(snapshot, chain, name, base);
        const files = hasBlobs ? filesOf(chain, name, versions.cipherOfInstance(snapshot.instanceId)) : { count: 0, bytes: 0 };
        return {
          snapshotId: snapshot.id, name, recordCount: total - deleted, deletedCount: deleted, highWaterMark, state, reason,
          blobCount: files.count, blobBytes: files.bytes,
        };
      });
      writeTransaction(db, (tx) => {
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
  };
}
