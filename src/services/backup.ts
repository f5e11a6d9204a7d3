import { setImmediate } from 'node:timers/promises';
import type { JobRow, SnapshotRow } from '../../db/schema.ts';
import { JobStoppedError } from '../errors.ts';
import { describeGlobal, describeSObjects, DescribeError, type DescribeGlobalResult } from '../salesforce/describe.ts';
import { abortBulkQuery, startBulkQuery, type QueryJobInfo } from '../salesforce/bulk-query.ts';
import { recordCounts } from '../salesforce/limits.ts';
import { isGrantRejected } from '../salesforce/errors.ts';
import { recordText } from '../salesforce/query.ts';
import { ApiBudgetExceededError, CancelledError, isTransient, type SalesforceSession } from '../salesforce/session.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { attachFiles } from './backup-files.ts';
import { findPurged } from './backup-purges.ts';
import { bulkQueryOf, readObject, type ReadPlan } from './backup-reader.ts';
import type { RecordSealerThread } from './record-sealer-thread.ts';
import { idsOf } from './record-sealing.ts';
import type { CompletedObject, SnapshotService } from './snapshots.ts';

// Objects that only mirror others: change history, sharing rows, feeds, change events.
const MIRROR_OBJECT = /(History|Share|Feed|ChangeEvent)$/;
// Compound fields repeat their components, which are queried on their own.
const COMPOUND_TYPES = new Set(['address', 'location']);
// A page is stored a slice at a time, yielding in between, so the next page (already requested)
// keeps streaming in; stored in one go, it waited in a full socket buffer.
const STORE_SLICE = 500;
/**
 * A transaction stamps SystemModstamp when it saves but may commit later: the next incremental
 * backup starts this long before the moment this one began, by Salesforce's clock.
 */
export const INCREMENTAL_SAFETY_MARGIN_MS = 10 * 60_000;

export interface BackupOptions {
  /** An incremental backup every time but every Nth, which is full. */
  fullBackupEvery: number;
  /** Objects past this many records are read through Bulk API 2.0 on a full pass. */
  bulkThreshold: number;
  blobs: BlobStore;
  /** Decodes and seals large objects' records on a thread while this one stores them. */
  sealer: Pick<RecordSealerThread, 'decoder'>;
  /** Records read so far, expected in all, and stored as new versions (new, changed, deleted or purged). */
  onProgress: (figures: { processed: number; total: number; changed: number }) => void;
  /** An object was skipped: its name and Salesforce's reason. */
  onWarning: (warning: string) => void;
  /** Checked before each Salesforce call: throws when the job must stop (budget, cancel). */
  checkpoint: () => void;
  signal: AbortSignal;
}

/** An object Salesforce would not give: its records are left out, the backup goes on. */
class ObjectSkipped extends Error {}

/** Objects a backup can take: the ones it takes when the user names none. */
export function backupableObjects(global: Pick<DescribeGlobalResult, 'sobjects'>): string[] {
  return global.sobjects
    .filter((o) => o.queryable && o.retrieveable && o.replicateable && !MIRROR_OBJECT.test(o.name))
    .map((o) => o.name);
}

/** Errors that stop the whole job: everything else Salesforce answers about one object skips it. */
function stopsTheJob(error: unknown): boolean {
  const name = (error as Error)?.name;
  return (
    error instanceof CancelledError ||
    error instanceof ApiBudgetExceededError ||
    isGrantRejected(error) ||
    name === 'INVALID_SESSION_ID' ||
    // Salesforce unavailable after every retry: the next objects would fare no better.
    isTransient(error)
  );
}

/** Salesforce's reason for refusing an object, or undefined when the error is ours (a bug, the disk). */
function refusalReason(error: unknown): string | undefined {
  if (error instanceof ObjectSkipped) return error.message;
  const { name, message } = error as Error;
  if (!name || !/^[A-Z][A-Z0-9_]+$/.test(name)) return undefined;
  return `${name}: ${message.trim()}`;
}

/**
 * Copies the org's records into a snapshot, object by object. An object Salesforce refuses is
 * skipped with a warning; the others go on. After a full backup the next ones ask only for
 * records stamped since the last backup began (less a margin), and learn which records were
 * purged since, until the periodic full pass.
 */
export async function runBackup(job: JobRow, session: SalesforceSession, snapshotsService: SnapshotService, options: BackupOptions): Promise<SnapshotRow> {
  const { checkpoint } = options;
  checkpoint();
  const objects = job.objects.length > 0 ? job.objects : backupableObjects(await describeGlobal(session));
  const previous = await snapshotsService.latestComplete(job.instanceId);
  const full = !previous || (job.parameters.kind === 'BACKUP' && job.parameters.full) || (await snapshotsService.chainLength(previous)) >= options.fullBackupEvery;
  const base = full ? undefined : previous;
  const baseObjects = new Map(base ? (await snapshotsService.objectsOf([base.id])).map((o) => [o.name, o]) : []);

  checkpoint();
  const { counts, serverTime } = await recordCounts(session, objects);
  const nextMark = new Date(serverTime.getTime() - INCREMENTAL_SAFETY_MARGIN_MS).toISOString().replace('Z', '+0000');
  const describes = await describeSObjects(session, objects, checkpoint);
  const snapshot = await snapshotsService.begin(job.instanceId, job.id, base);

  let total = full ? objects.reduce((sum, object) => sum + (counts.get(object) ?? 0), 0) : 0;
  let processed = 0;
  let changed = 0;
  options.onProgress({ processed, total, changed });
  const plans = new Map(objects.map((object) => [object, planOf(object)]));
  // The next object's Bulk job is started while one is read: Salesforce queues and runs it meanwhile.
  const ahead = new Map<string, Promise<QueryJobInfo>>();
  const startAhead = (plan: ReadPlan | Error | undefined) => {
    if (!plan || plan instanceof Error) return;
    const query = bulkQueryOf(session, plan, options.bulkThreshold);
    if (query === undefined) return;
    checkpoint();
    const started = startBulkQuery(session, query);
    started.catch(() => undefined);
    ahead.set(plan.object, started);
  };
  const results: CompletedObject[] = [];
  try {
    for (const [index, object] of objects.entries()) {
      const plan = plans.get(object)!;
      try {
        if (plan instanceof Error) throw plan;
        startAhead(plans.get(objects[index + 1]));
        await backupObject(plan, ({ read = 0, expected, stored = 0 }) => {
          processed += read;
          changed += stored;
          if (expected !== undefined) total += expected;
          options.onProgress({ processed, total: Math.max(total, processed), changed });
        });
        results.push({ name: object, highWaterMark: nextMark, state: 'COMPLETE', reason: null, hasBlobs: plan.blobFields.length > 0 });
      } catch (error) {
        const reason = stopsTheJob(error) ? undefined : refusalReason(error);
        if (reason === undefined) throw error;
        await snapshotsService.discardObject(snapshot.id, object);
        options.onWarning(`${object} skipped: ${reason}`);
        results.push({ name: object, highWaterMark: null, state: 'SKIPPED', reason, hasBlobs: false });
      }
    }
  } finally {
    for (const started of ahead.values()) void started.then((bulkJob) => abortBulkQuery(session, bulkJob), () => undefined);
  }
  options.onProgress({ processed, total: processed, changed });
  if (results.length > 0 && results.every((r) => r.state === 'SKIPPED')) {
    throw new JobStoppedError(`Salesforce refused every object: ${results.map((r) => `${r.name} (${r.reason})`).join('; ')}`);
  }
  await snapshotsService.complete(snapshot, results);
  return snapshot;

  /** What to read of an object, or why it cannot be read. */
  function planOf(object: string): ReadPlan | Error {
    const describe = describes.get(object);
    if (!describe || describe instanceof DescribeError) return describe ?? new ObjectSkipped('not described');
    const fields = describe.fields.filter((f) => !COMPOUND_TYPES.has(f.type));
    // An object without SystemModstamp cannot be read incrementally: it is read whole each time.
    const stamped = describe.fields.some((f) => f.name === 'SystemModstamp');
    return {
      object,
      fields: fields.map((f) => f.name),
      fieldTypes: new Map(fields.map((f) => [f.name, f.type])),
      blobFields: fields.filter((f) => f.type === 'base64').map((f) => f.name),
      since: stamped ? (baseObjects.get(object)?.highWaterMark ?? null) : null,
      estimatedCount: counts.get(object) ?? 0,
    };
  }

  /** Reads one object into the snapshot. */
  async function backupObject(plan: ReadPlan, progress: (figures: { read?: number; expected?: number; stored?: number }) => void): Promise<void> {
    const { object, since: mark } = plan;
    // Only an incremental backup looks for purged records. A full one keeps no ids: a Bulk record's
    // Id is a slice of its CSV page's text and would hold the whole object's text until the end.
    const seen = base ? new Set<string>() : undefined;
    const readPrevious = previous && plan.blobFields.length > 0 ? await snapshotsService.recordReader(previous, object) : undefined;
    const previously = readPrevious && (async (ids: string[]) => new Map((await readPrevious(ids)).map((stored) => [stored.recordId, stored.data])));
    const sealedPages = options.sealer.decoder(object, plan.fieldTypes, await snapshotsService.wrappedKeyOfSnapshot(snapshot.id));
    const started = ahead.get(object);
    ahead.delete(object);
    const read = readObject(session, plan, { checkpoint, bulkThreshold: options.bulkThreshold, signal: options.signal, sealedPages, started });
    for await (const batch of read) {
      if (batch.expected !== undefined && !full) progress({ expected: batch.expected });
      if (batch.sealed) {
        progress({ read: batch.sealed.length, stored: await snapshotsService.storeSealed(snapshot.id, object, batch.sealed) });
        if (seen) for (const id of idsOf(batch.sealed)) seen.add(id);
        continue;
      }
      await attachFiles(session, options.blobs, plan, batch.records, { checkpoint, previously });
      let stored = 0;
      for (let start = 0; start < batch.records.length; start += STORE_SLICE) {
        stored += await snapshotsService.storeRecords(snapshot.id, object, batch.records.slice(start, start + STORE_SLICE).map(recordText));
        await setImmediate();
      }
      if (seen) for (const record of batch.records) seen.add(record.Id);
      progress({ read: batch.records.length, stored });
    }
    if (base && seen) {
      const purged = await findPurged(session, { object, mark, seen, held: snapshotsService.heldRecords(base, object), until: serverTime, checkpoint });
      if (purged.length > 0) {
        await snapshotsService.storePurged(snapshot.id, object, purged);
        progress({ stored: purged.length });
      }
    }
  }
}
