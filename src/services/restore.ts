// The restore engine, over 250 lines: its steps (describe, order, undelete, create with saved
// intents and files, update, second-pass lookups, summary) share one restore's state, which
// splitting the file would pass around; reconciliation and intents already live beside it.
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectRestoreSummaryValue, RestoreParameters, RestoreSummaryValue, SnapshotRow } from '../../db/schema.ts';
import {
  COLLECTION_SIZE,
  createRecordWithFile,
  createRecords,
  currentRecords,
  recordsCreatedSince,
  undeleteRecords,
  updateRecords,
  type FilePart,
  type OrgRecord,
  type SaveResult,
} from '../salesforce/restore-writes.ts';
import { JobStoppedError } from '../errors.ts';
import { readBlob as downloadFile } from '../salesforce/blobs.ts';
import { describeSObject } from '../salesforce/describe.ts';
import { UnknownOutcomeError, type SalesforceSession } from '../salesforce/session.ts';
import { fieldsToMatch, reconcileCreates, windowStart, type Reconciliation } from './create-reconciliation.ts';
import { changedFiles, createCalls, filesOf, isBlobRef, LARGE_FILE_BYTES, withFileContents, withoutFiles, type BlobRef } from './restore-files.ts';
import type { RestoreIntentService } from './restore-intents.ts';
import { readerOnThisThread, type SnapshotReader } from './snapshot-reader-thread.ts';
import type { SnapshotService, StoredRecord } from './snapshots.ts';
import type { JobFailureReport } from '../../db/job-reports.ts';

/** A record Salesforce refused, as the job keeps it. */
export type RecordFailure = JobFailureReport;

export interface RestoreOptions {
  /** New ids of records earlier restores re-created on the target, by their snapshot ids. */
  earlierNewIds: (sourceIds: string[]) => Promise<Map<string, string>>;
  /** Where creates are saved before they are sent; absent in a dry run. */
  intents?: RestoreIntentService;
  /** The Salesforce user the restore writes as: records it created are told from other people's by it. */
  userId?: string;
  /** The bytes of a file the backup stored, by its SHA-256. */
  readBlob?: (sha256: string) => Promise<Buffer>;
  onProgress: (processed: number, failed: number, total: number) => void;
  onFailures: (failures: RecordFailure[]) => void;
  onWarning: (warning: string) => void;
  /** The outcome so far, per object; called at the end, whether the restore finished or not. */
  onSummary: (summary: RestoreSummaryValue) => void;
  checkpoint: () => void;
  /** Reads the snapshot's records on a thread of their own, when a restore of this many records is worth it. */
  openReader: (snapshot: SnapshotRow, records: number) => SnapshotReader | undefined;
  signal: AbortSignal;
  /** How long after a create was sent Salesforce may still carry it out: its limit on a call's run time. */
  callTimeoutMs: number;
}

interface FieldInfo {
  name: string;
  type: string;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  cascadeDelete?: boolean;
  referenceTo: string[];
}

interface ObjectDescribe {
  keyPrefix: string | null;
  fields: FieldInfo[];
}

/** A record's lookups that had to wait for records this restore creates: set in a second pass. */
interface DeferredLookups {
  object: string;
  sourceId: string;
  liveId: string;
  /** Field name to the snapshot id it points at. */
  targets: Record<string, string>;
  /** The org's values of those fields before the restore (none for a record it creates). */
  current?: Record<string, unknown>;
  /** Already counted (created, undeleted or updated); otherwise counted in the second pass. */
  counted: boolean;
}

type Outcome = 'undeleted' | 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

const BATCH = COLLECTION_SIZE;
// Collection calls in flight at once: a few concurrent requests per user are normal for Salesforce.
const CALLS_IN_FLIGHT = 3;
const CHILD_DEPTH = 5;
const SAMPLE_CHANGES = 5;
// A create whose answer is lost is looked for and, if absent, sent again at most this many times.
const CREATE_ROUNDS = 3;
const SYSTEM_FIELDS = new Set(['Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);
// Binary fields read back as a URL: never compared or sent as text.
const BINARY_TYPES = new Set(['base64']);

const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** Works through the items with at most `limit` at once; the first failure stops the others. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Each item's read, started `ahead` items early: with one lane per call in flight, each lane's next
 * batch is being read while it writes this one. Batches hold distinct records, so a read never
 * waits for a write of its own batch.
 */
function readingAhead<T, R>(items: T[], read: (item: T) => Promise<R>, ahead: number): (() => Promise<R>)[] {
  const started = new Map<number, Promise<R>>();
  const start = (index: number) => {
    if (index >= items.length || started.has(index)) return;
    const reading = read(items[index]);
    // Answered only when its turn comes, or never if the restore stops first.
    reading.catch(() => undefined);
    started.set(index, reading);
  };
  return items.map((_, index) => () => {
    for (let next = index; next <= index + ahead; next++) start(next);
    return started.get(index)!;
  });
}

/** Parents before children, following the lookups among the objects being restored (cycles broken anywhere). */
export function parentsFirst(objects: string[], references: Map<string, string[]>): string[] {
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (object: string) => {
    if (ordered.includes(object) || visiting.has(object)) return;
    visiting.add(object);
    for (const parent of references.get(object) ?? []) if (objects.includes(parent) && parent !== object) visit(parent);
    ordered.push(object);
  };
  objects.forEach(visit);
  return ordered;
}

/** The given records plus the records that point at them, five levels down (includeChildren). */
function withChildren(state: Map<string, StoredRecord[]>, referenceFields: Map<string, FieldInfo[]>, recordIds: string[]): Map<string, string[]> {
  const selected = new Set(recordIds);
  let frontier = new Set(recordIds);
  for (let depth = 0; depth < CHILD_DEPTH && frontier.size > 0; depth++) {
    const next = new Set<string>();
    for (const [object, records] of state) {
      const lookups = referenceFields.get(object) ?? [];
      for (const record of records) {
        if (selected.has(record.recordId)) continue;
        if (lookups.some((field) => frontier.has(record.data[field.name] as string))) next.add(record.recordId);
      }
    }
    next.forEach((id) => selected.add(id));
    frontier = next;
  }
  return new Map([...state].map(([object, records]) => [object, records.filter((r) => selected.has(r.recordId)).map((r) => r.recordId)]));
}

/** Whether a snapshot value and the org's value are the same (an empty text is null to Salesforce). */
function sameValue(field: FieldInfo, wanted: unknown, current: unknown): boolean {
  const a = wanted === '' || wanted === undefined ? null : wanted;
  const b = current === '' || current === undefined ? null : current;
  if (a === null || b === null) return a === b;
  // Ids compare by their case-sensitive 15 characters; the 18-character form adds a checksum.
  if (field.type === 'reference' || field.type === 'id') return (a as string).slice(0, 15) === (b as string).slice(0, 15);
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b;
}

/** Writes to the org, or, in a dry run, what Salesforce would answer without writing anything. */
interface OrgWriter {
  undelete(ids: string[]): Promise<SaveResult[]>;
  create(records: Record<string, unknown>[]): Promise<SaveResult[]>;
  createWithFile(object: string, values: Record<string, unknown>, file: FilePart): Promise<SaveResult>;
  update(records: Record<string, unknown>[]): Promise<SaveResult[]>;
}

function orgWriter(session: SalesforceSession): OrgWriter {
  return {
    undelete: (ids) => undeleteRecords(session, ids),
    create: (records) => createRecords(session, records),
    createWithFile: (object, values, file) => createRecordWithFile(session, object, values, file),
    update: (records) => updateRecords(session, records),
  };
}

function dryRunWriter(): OrgWriter {
  let created = 0;
  const succeed = (ids: (string | undefined)[]) => Promise.resolve(ids.map((id) => ({ id: id ?? null, success: true, errors: [] })));
  return {
    undelete: (ids) => succeed(ids),
    create: (records) => succeed(records.map(() => `(new record ${++created})`)),
    createWithFile: () => Promise.resolve({ id: `(new record ${++created})`, success: true, errors: [] }),
    update: (records) => succeed(records.map((record) => record.id as string)),
  };
}

const unknownError = { statusCode: 'UNKNOWN_EXCEPTION', message: 'Salesforce refused the record without giving a reason' };

/** About how many records a restore reads: those asked for, or all those of the objects named. */
async function expectedRecords(snapshotsService: SnapshotService, snapshot: SnapshotRow, params: RestoreParameters): Promise<number> {
  if (params.recordIds.length > 0) return params.recordIds.length;
  const named = new Set(params.objects);
  return (await snapshotsService.objectsOf([snapshot.id]))
    .filter((object) => named.size === 0 || named.has(object.name))
    .reduce((sum, object) => sum + object.recordCount, 0);
}

/**
 * Writes a snapshot's records back without harming the org:
 * - a record that still exists gets only the fields whose snapshot value differs (none: unchanged);
 * - a record in the recycle bin comes back with Salesforce's undelete and keeps its id;
 * - only a purged record is created again, its intent saved first, and never sent twice blindly:
 *   after a lost answer (or a crash) the records Salesforce made are found and mapped first
 *   (see create-reconciliation.ts);
 * - lookups to records not restored yet (self-lookups, cycles, polymorphic ones) are left empty
 *   at first and set in a second pass once every new id is known, so no record goes out in the
 *   same request as a parent whose new id it needs;
 * - writes ask Salesforce not to run assignment rules and to let duplicate alerts save.
 * Collections of at most 200 with allOrNone off: one refused record is reported and the rest go on.
 */
export async function runRestore(
  snapshot: SnapshotRow,
  session: SalesforceSession,
  snapshotsService: SnapshotService,
  params: RestoreParameters,
  options: RestoreOptions,
): Promise<void> {
  // Asked for before the describe calls, so a thread that has to start is ready by the first read.
  const reader =
    options.openReader(snapshot, await expectedRecords(snapshotsService, snapshot, params)) ??
    readerOnThisThread((object) => snapshotsService.recordReader(snapshot, object));
  const dryRun = params.dryRun === true;
  const writer = dryRun ? dryRunWriter() : orgWriter(session);
  const readSnapshotFile = async (sha256: string) => {
    if (!options.readBlob) throw new JobStoppedError('The files of this snapshot are not available to the service, so records with files cannot be restored.');
    return options.readBlob(sha256);
  };
  /** Sends updates a collection at a time (fewer when they carry files), handing each answer to `settle`. */
  const sendUpdates = async <E>(updates: { entry: E; body: Record<string, unknown> }[], settle: (entry: E, result: SaveResult) => void, afterBatch = () => {}) => {
    for (const { items: batch } of createCalls(updates, (update) => update.body, BATCH)) {
      options.checkpoint();
      const bodies = dryRun ? batch.map((update) => update.body) : await Promise.all(batch.map((update) => withFileContents(update.body, readSnapshotFile)));
      const results = await writer.update(bodies);
      results.forEach((result, index) => settle(batch[index].entry, result));
      afterBatch();
    }
  };
  const intents = dryRun ? undefined : options.intents;
  const requested = await snapshotsService.requireObjects(snapshot, params.objects);
  const followChildren = params.includeChildren && (params.recordIds.length > 0 || params.objects.length > 0);
  // Children may live in any object of the snapshot, not only in those named.
  const objects = followChildren ? await snapshotsService.requireObjects(snapshot, []) : requested;

  const describes = new Map<string, ObjectDescribe>();
  for (const object of objects) {
    options.checkpoint();
    const describe = await (describeSObject(session, object) as unknown as Promise<ObjectDescribe>).catch((error: Error) => {
      if (error.name !== 'NOT_FOUND') throw error;
      throw new JobStoppedError(
        `The org has no object ${object} (any more, or not for this user), so nothing was restored. Restore the other objects by naming them, or give the user access to ${object}.`,
      );
    });
    describes.set(object, describe);
  }
  const referenceFields = new Map(objects.map((object) => [object, describes.get(object)!.fields.filter((f) => f.type === 'reference')]));
  const references = new Map(objects.map((object) => [object, referenceFields.get(object)!.flatMap((f) => f.referenceTo)]));

  // Ids asked for need no lookup to be sorted by object: an id starts with its object's key prefix.
  // Those of records deleted in the snapshot are skipped as they are read.
  const idsToRestore = async (object: string) => {
    const prefix = describes.get(object)!.keyPrefix;
    if (params.recordIds.length > 0 && prefix) return params.recordIds.filter((id) => id.startsWith(prefix));
    return snapshotsService.liveRecordIds(snapshot, object, params.recordIds.length > 0 ? params.recordIds : undefined);
  };
  const roots = async () =>
    params.recordIds.length > 0 ? params.recordIds : (await Promise.all(requested.map((object) => snapshotsService.liveRecordIds(snapshot, object)))).flat();
  // Only finding children needs the records' contents up front; otherwise their ids are enough.
  const chosen = followChildren
    ? withChildren(
        new Map(await Promise.all(objects.map(async (object) => [object, (await snapshotsService.state(snapshot, object)).filter((record) => !record.deleted)] as const))),
        referenceFields,
        await roots(),
      )
    : new Map(await Promise.all(objects.map(async (object) => [object, await idsToRestore(object)] as const)));
  const selected = new Set([...chosen.values()].flat());
  const total = selected.size;
  let processed = 0;
  let failed = 0;
  options.onProgress(0, 0, total);

  const summary = new Map<string, ObjectRestoreSummaryValue>();
  const tally = (object: string) => {
    let entry = summary.get(object);
    if (!entry) {
      entry = { object, undeleted: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, changes: [] };
      summary.set(object, entry);
    }
    return entry;
  };
  const count = (object: string, outcome: Outcome, records = 1) => {
    tally(object)[outcome] += records;
    if (outcome === 'failed') failed += records;
    else processed += records;
  };
  const sample = (object: string, recordId: string, field: string, from: unknown, to: unknown) => {
    const changes = tally(object).changes;
    if (changes.length < SAMPLE_CHANGES) changes.push({ recordId, field, from: from ?? null, to: to ?? null });
  };
  const fail = (object: string, recordId: string | null, error: { statusCode: string; message: string }, counted = true) => {
    if (counted && recordId) failedIds.add(recordId);
    if (counted) count(object, 'failed');
    options.onFailures([{ object, recordId, statusCode: error.statusCode, message: error.message }]);
  };

  // Records re-created here or by earlier restores keep their new ids: children link to them, and
  // they are updated rather than created once more.
  const newIds = new Map<string, string>();
  const liveIdOf = (record: StoredRecord) => newIds.get(record.recordId) ?? record.recordId;
  // Records whose id in the org is final (they exist, came back, or failed): lookups to them need not wait.
  const settled = new Set<string>();
  const failedIds = new Set<string>();
  const deferred: DeferredLookups[] = [];
  // Records restored from the recycle bin in a dry run: their cascade-deleted children would come back with them.
  const undeletedInDryRun = new Set<string>();
  const DEFER = Symbol('defer');
  const resolveLookup = (value: unknown): unknown => {
    if (typeof value !== 'string' || value === '') return value;
    const mapped = newIds.get(value);
    if (mapped) return mapped;
    return selected.has(value) && !settled.has(value) ? DEFER : value;
  };

  const summarise = () => options.onSummary({ dryRun, objects: [...summary.values()] });
  try {
    for (const object of parentsFirst(objects, references)) {
      const ids = chosen.get(object) ?? [];
      if (ids.length === 0) continue;
      await restoreObject(object, ids);
    }
    await setDeferredLookups();
  } finally {
    summarise();
    options.onProgress(processed, failed, total);
  }

  async function restoreObject(object: string, ids: string[]) {
    const fields = new Map(describes.get(object)!.fields.map((f) => [f.name, f]));
    const lookups = referenceFields.get(object)!;
    const writable = (mode: 'createable' | 'updateable') =>
      [...fields.values()].filter((field) => field[mode] && !SYSTEM_FIELDS.has(field.name) && !BINARY_TYPES.has(field.type));
    const updateable = writable('updateable');
    const files = [...fields.values()].filter((field) => field.createable && BINARY_TYPES.has(field.type));
    // Files an existing record can take new bytes for (Attachment.Body; not ContentVersion's, which is versioned).
    const replaceable = [...fields.values()].filter((field) => field.updateable && BINARY_TYPES.has(field.type)).map((field) => field.name);
    const readFiles = { org: async (url: string) => buffer(await downloadFile(session, url)), snapshot: readSnapshotFile };
    const createable = [...writable('createable'), ...files];
    let warnedNoFile = false;
    const compared = updateable.map((field) => field.name);
    let checkedFields = false;

    // Creates an earlier attempt left without an answer are looked for before anything is sent:
    // those found count as created (then brought to the snapshot's values like any record).
    const blocked = new Map<string, string>();
    const foundCreated = new Set<string>();
    if (intents && (await intents.pending(object)).length > 0) {
      const outcome = await reconcile(object);
      outcome.undecided.forEach(({ sourceId, reason }) => blocked.set(sourceId, reason));
      for (const [sourceId, newId] of outcome.created) {
        foundCreated.add(sourceId);
        newIds.set(sourceId, newId);
      }
    }

    const load = async (batchIds: string[]): Promise<StoredRecord[]> => {
      const all = await reader.read(object, batchIds);
      const records = all.filter((record) => !record.deleted);
      processed += batchIds.length - records.length; // deleted in the snapshot: nothing to restore
      for (const record of all) if (record.deleted) settled.add(record.recordId);
      const referenced = records.flatMap((record) => [record.recordId, ...lookups.map((field) => (record.data[field.name] as string | null) ?? '')]);
      for (const [sourceId, newId] of await options.earlierNewIds(referenced.filter((id) => id && !newIds.has(id)))) newIds.set(sourceId, newId);
      if (!checkedFields && records.length > 0) {
        checkedFields = true;
        const skipped = Object.keys(records[0].data).filter((name) => !fields.has(name) && !SYSTEM_FIELDS.has(name));
        if (skipped.length > 0) options.onWarning(`${object}: fields no longer on the org were skipped: ${skipped.sort().join(', ')}`);
      }
      return records;
    };

    /** The snapshot's values for the fields given (with `current`, only those that differ from it), lookups remapped; lookups that must wait are returned apart. */
    const valuesOf = (record: StoredRecord, writableFields: FieldInfo[], current?: OrgRecord) => {
      const values: Record<string, unknown> = {};
      const waiting: Record<string, string> = {};
      for (const field of writableFields) {
        if (!(field.name in record.data)) continue;
        if (BINARY_TYPES.has(field.type) && !isBlobRef(record.data[field.name])) {
          if (record.data[field.name] && !warnedNoFile) {
            warnedNoFile = true;
            options.onWarning(`${object}: the snapshot holds no file content for ${field.name} (backed up before files were stored); records are created without it`);
          }
          continue;
        }
        const value = field.type === 'reference' ? resolveLookup(record.data[field.name]) : record.data[field.name];
        if (value === DEFER) waiting[field.name] = record.data[field.name] as string;
        else if (!current || !sameValue(field, value, current[field.name])) values[field.name] = value;
      }
      return { values, waiting };
    };

    const toCreate: StoredRecord[] = [];

    /** Updates records that exist (or just came back) to their snapshot values, field by field. */
    const updateExisting = async (entries: { record: StoredRecord; current: OrgRecord; undeleted: boolean }[]) => {
      const updates: { entry: (typeof entries)[number]; body: Record<string, unknown> }[] = [];
      const outcomeOf = (entry: (typeof entries)[number], changed: boolean): Outcome =>
        foundCreated.has(entry.record.recordId) ? 'created' : entry.undeleted ? 'undeleted' : changed ? 'updated' : 'unchanged';
      // Each lane compares its records' files one at a time: a batch of 200 must not open 200 downloads.
      const filesChanged: [string, BlobRef][][] = [];
      for (const { record, current } of replaceable.length === 0 ? [] : entries) filesChanged.push(await changedFiles(replaceable, record.data, current, readFiles));
      for (const [index, entry] of entries.entries()) {
        const { record, current, undeleted } = entry;
        const { values: differing, waiting } = valuesOf(record, updateable, current);
        const fileChanges = filesChanged[index] ?? [];
        const tooLarge = fileChanges.find(([, ref]) => ref.size > LARGE_FILE_BYTES);
        if (tooLarge) {
          const message = `${tooLarge[0]} differs from the snapshot, but a file over 20 MB cannot replace the one on an existing record; delete the record in Salesforce and restore it again.`;
          fail(object, record.recordId, { statusCode: 'FILE_TOO_LARGE_TO_REPLACE', message });
          continue;
        }
        const changes = [...Object.entries(differing), ...fileChanges];
        changes.forEach(([name, value]) => sample(object, record.recordId, name, isBlobRef(value) ? "(the org's file)" : current[name], isBlobRef(value) ? `(the snapshot's file, ${value.size} bytes)` : value));
        const hasWaiting = Object.keys(waiting).length > 0;
        const counted = undeleted || changes.length > 0 || foundCreated.has(record.recordId);
        if (hasWaiting) {
          const before = Object.fromEntries(Object.keys(waiting).map((name) => [name, current[name]]));
          deferred.push({ object, sourceId: record.recordId, liveId: current.Id, targets: waiting, current: before, counted });
        }
        if (changes.length > 0) updates.push({ entry, body: { attributes: { type: object }, id: current.Id, ...Object.fromEntries(changes) } });
        else if (counted || !hasWaiting) count(object, outcomeOf(entry, false));
      }
      await sendUpdates(updates, (entry, result) => {
        if (result.success) count(object, outcomeOf(entry, true));
        else fail(object, entry.record.recordId, result.errors[0] ?? unknownError);
      });
    };

    /** A batch's snapshot records and the org's current values of them. */
    const readBatch = async (batchIds: string[]) => {
      options.checkpoint();
      const records = await load(batchIds);
      return { records, current: await currentRecords(session, object, [...compared, ...replaceable], records.map(liveIdOf)) };
    };
    await inParallel(readingAhead(chunks(ids, BATCH), readBatch, CALLS_IN_FLIGHT), CALLS_IN_FLIGHT, async (reading) => {
      const { records, current } = await reading();
      const existing: { record: StoredRecord; current: OrgRecord; undeleted: boolean }[] = [];
      const inRecycleBin: { record: StoredRecord; current: OrgRecord }[] = [];
      for (const record of records) {
        const found = current.get(liveIdOf(record));
        if (!found) {
          const reason = blocked.get(record.recordId);
          if (reason) fail(object, record.recordId, { statusCode: 'CREATE_OUTCOME_UNKNOWN', message: reason });
          else toCreate.push(record);
        } else if (!params.overwrite && String(found.SystemModstamp) > String(record.data.SystemModstamp)) {
          count(object, 'skipped'); // changed since the snapshot and overwriting was declined: left as it is
          settled.add(record.recordId);
        } else if (found.IsDeleted !== true) existing.push({ record, current: found, undeleted: false });
        else if (dryRun && comesBackWithParent(found, lookups)) {
          existing.push({ record, current: found, undeleted: false });
          // Its own cascade-deleted children come back with it in turn (Account → Contact → CampaignMember).
          undeletedInDryRun.add(found.Id);
        }
        else inRecycleBin.push({ record, current: found });
      }
      if (inRecycleBin.length > 0) {
        options.checkpoint();
        const results = await writer.undelete(inRecycleBin.map(({ current }) => current.Id));
        // "Not in the recycle bin" after a retry whose first answer was lost: live again means it worked.
        const notInBin = inRecycleBin.filter((_, index) => results[index].errors[0]?.statusCode === 'UNDELETE_FAILED');
        const liveNow = notInBin.length > 0 ? await currentRecords(session, object, [], notInBin.map(({ current }) => current.Id)) : new Map();
        results.forEach((result, index) => {
          const { record, current } = inRecycleBin[index];
          if (result.success || (liveNow.get(current.Id) as { IsDeleted?: boolean } | undefined)?.IsDeleted === false) {
            existing.push({ record, current, undeleted: true });
            if (dryRun) undeletedInDryRun.add(current.Id);
          } else fail(object, record.recordId, result.errors[0] ?? unknownError);
        });
      }
      await updateExisting(existing);
      for (const { record } of existing) settled.add(record.recordId);
      options.onProgress(processed, failed, total);
    });

    // A required lookup cannot be left empty for the second pass: such a record waits for the
    // others of its object to be created, and fails if what it needs is still missing then.
    const waitsOnRequired = (record: StoredRecord) => Object.keys(valuesOf(record, createable).waiting).some((name) => !fields.get(name)!.nillable);
    const held = new Set(toCreate.filter(waitsOnRequired));
    await createAll(object, toCreate.filter((record) => !held.has(record)), createable);
    for (const record of [...held].filter(waitsOnRequired)) {
      const field = Object.keys(valuesOf(record, createable).waiting).find((name) => !fields.get(name)!.nillable)!;
      const message = `Its required lookup ${field} points to a record this restore has not put back yet (a cycle of required lookups); restore this record again afterwards.`;
      fail(object, record.recordId, { statusCode: 'REQUIRED_LOOKUP_NOT_RESTORED', message });
    }
    await createAll(object, [...held].filter((record) => !waitsOnRequired(record)), createable);
    for (const record of toCreate) settled.add(record.recordId);
    options.onProgress(processed, failed, total);

    /** Sends the creates, each saved first; after a lost answer, finds out what Salesforce made before sending the rest again. */
    async function createAll(object: string, records: StoredRecord[], createableFields: FieldInfo[]) {
      const waitingOf = new Map<string, Record<string, string>>();
      const created = (record: StoredRecord, newId: string) => {
        newIds.set(record.recordId, newId);
        count(object, 'created');
        const waiting = waitingOf.get(record.recordId) ?? {};
        if (Object.keys(waiting).length > 0) deferred.push({ object, sourceId: record.recordId, liveId: newId, targets: waiting, counted: true });
      };
      let queue = records;
      for (let round = 1; queue.length > 0; round++) {
        const unanswered: StoredRecord[] = [];
        const prepared = queue.map((record) => {
          const { values, waiting } = valuesOf(record, createableFields);
          waitingOf.set(record.recordId, waiting);
          return { record, values };
        });
        await inParallel(createCalls(prepared, (item) => item.values, BATCH), CALLS_IN_FLIGHT, async (call) => {
          options.checkpoint();
          const batch = call.items.map((item) => item.record);
          await intents?.save(object, call.items.map(({ record, values }) => ({ sourceId: record.recordId, body: withoutFiles(values) })));
          let results: SaveResult[];
          try {
            results = await sendCreates(object, call);
          } catch (error) {
            if (!(error instanceof UnknownOutcomeError)) throw error;
            unanswered.push(...batch);
            return;
          }
          const done: [string, string][] = [];
          const refused: string[] = [];
          results.forEach((result, index) => {
            const record = batch[index];
            if (result.success && result.id) {
              created(record, result.id);
              done.push([record.recordId, result.id]);
            } else {
              refused.push(record.recordId);
              fail(object, record.recordId, result.errors[0] ?? unknownError);
            }
          });
          await intents?.settle(object, done, refused);
          options.onProgress(processed, failed, total);
        });
        if (unanswered.length === 0 || !intents) return;
        if (round >= CREATE_ROUNDS) {
          const message = `Salesforce did not answer ${CREATE_ROUNDS} attempts to create this record; the restore keeps track of it and finds it on the next run.`;
          unanswered.forEach((record) => fail(object, record.recordId, { statusCode: 'CREATE_OUTCOME_UNKNOWN', message }));
          return;
        }
        const outcome = await reconcile(object);
        const bySource = new Map(unanswered.map((record) => [record.recordId, record]));
        for (const [sourceId, newId] of outcome.created) {
          const record = bySource.get(sourceId);
          if (record) created(record, newId);
          else newIds.set(sourceId, newId);
        }
        for (const { sourceId, reason } of outcome.undecided) {
          if (bySource.has(sourceId)) fail(object, sourceId, { statusCode: 'CREATE_OUTCOME_UNKNOWN', message: reason });
        }
        queue = outcome.notCreated.flatMap((sourceId) => bySource.get(sourceId) ?? []);
      }
    }
  }

  /** One create call: JSON with files as base64, or one record with a large file as multipart. A dry run reads no file. */
  async function sendCreates(object: string, call: { items: { values: Record<string, unknown> }[]; multipart: boolean }): Promise<SaveResult[]> {
    if (call.multipart) {
      const { values } = call.items[0];
      const [field, ref] = filesOf(values)[0];
      if (dryRun) return [await writer.createWithFile(object, withoutFiles(values), { field, bytes: Buffer.alloc(0), filename: '' })];
      const filename = (values.Name ?? values.Title ?? values.PathOnClient ?? ref.blob) as string;
      return [await writer.createWithFile(object, withoutFiles(values), { field, bytes: await readSnapshotFile(ref.blob), filename })];
    }
    const bodies = dryRun ? call.items.map(({ values }) => values) : await Promise.all(call.items.map(({ values }) => withFileContents(values, readSnapshotFile)));
    return writer.create(bodies.map((values) => ({ attributes: { type: object }, ...values })));
  }

  /** In a dry run, a record in the recycle bin whose parent is undeleted with a cascade comes back with it. */
  function comesBackWithParent(current: OrgRecord, lookups: FieldInfo[]): boolean {
    return lookups.some((field) => field.cascadeDelete && undeletedInDryRun.has(((current[field.name] as string | null) ?? '').slice(0, 18)));
  }

  /**
   * Finds what Salesforce made of an object's creates that have no answer, and records it. A create
   * whose socket was lost may still be committing, so the org is read only once Salesforce's call
   * time limit has passed since the last of them was sent: by then each took effect or never will.
   */
  async function reconcile(object: string): Promise<Reconciliation> {
    const sent = await intents!.pending(object);
    if (sent.length === 0) return { created: [], notCreated: [], undecided: [] };
    const settledAt = new Date(Math.max(...sent.map((create) => create.sentAt.getTime())) + options.callTimeoutMs);
    if (settledAt.getTime() > Date.now()) {
      options.onWarning(
        `${object}: Salesforce did not answer ${sent.length} create(s). Salesforce may still carry them out until ${settledAt.toISOString()}, ` +
          'so the restore waits until then to see which took effect, and sends only the others.',
      );
      await sleep(settledAt.getTime() - Date.now(), undefined, { signal: options.signal }).catch(() => {});
    }
    options.checkpoint();
    const byUser = describes.get(object)!.fields.some((field) => field.name === 'CreatedById') ? options.userId : undefined;
    const candidates: OrgRecord[] = [];
    for await (const record of recordsCreatedSince(session, object, fieldsToMatch(sent), windowStart(sent), byUser)) candidates.push(record);
    const outcome = reconcileCreates(sent, candidates, await intents!.alreadyMapped(candidates.map((record) => record.Id)));
    await intents!.settle(object, outcome.created, outcome.notCreated);
    return outcome;
  }

  /** The second pass: lookups that waited for new ids, set once every record is in place. */
  async function setDeferredLookups() {
    const updates: { entry: DeferredLookups; body: Record<string, unknown> }[] = [];
    for (const entry of deferred) {
      const fieldInfo = new Map(describes.get(entry.object)!.fields.map((f) => [f.name, f]));
      const values: Record<string, unknown> = {};
      for (const [field, target] of Object.entries(entry.targets)) {
        if (failedIds.has(target) && !newIds.has(target)) {
          const message = `${field} was not set: the record it points to (${target}) could not be restored.`;
          fail(entry.object, entry.sourceId, { statusCode: 'LOOKUP_NOT_RESTORED', message }, false);
          continue;
        }
        const value = newIds.get(target) ?? target;
        if (sameValue(fieldInfo.get(field)!, value, entry.current?.[field])) continue;
        values[field] = value;
        if (!entry.counted) sample(entry.object, entry.sourceId, field, entry.current?.[field], value);
      }
      if (Object.keys(values).length > 0) updates.push({ entry, body: { attributes: { type: entry.object }, id: entry.liveId, ...values } });
      else if (!entry.counted) count(entry.object, 'unchanged');
    }
    await sendUpdates(
      updates,
      (entry, result) => {
        if (result.success) {
          if (!entry.counted) count(entry.object, 'updated');
        } else {
          fail(entry.object, entry.sourceId, result.errors[0] ?? unknownError, !entry.counted);
        }
      },
      () => options.onProgress(processed, failed, total),
    );
  }
}
