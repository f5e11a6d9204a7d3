// The restore engine in one file, a little over 250 lines: its steps (describe, order, read,
// remap, write, report) share one restore's state, and splitting them would pass that state around.
import type { RestoreParameters, SnapshotRow } from '../../db/schema.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import { describeObject } from './backup.ts';
import type { SalesforceRecord, SnapshotService, StoredRecord } from './snapshots.ts';

export interface RecordFailure {
  object: string;
  recordId: string | null;
  statusCode: string;
  message: string;
}

export interface RestoreOptions {
  /** New ids of records earlier restores re-created on the target, by their snapshot ids. */
  earlierNewIds: (sourceIds: string[]) => Map<string, string>;
  /** Keeps the new ids of records this restore re-created. */
  onRecreated: (object: string, pairs: [sourceId: string, newId: string][]) => void;
  onProgress: (processed: number, failed: number, total: number) => void;
  onFailures: (failures: RecordFailure[]) => void;
  onWarning: (warning: string) => void;
  checkpoint: () => void;
}

interface SaveResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}

type ObjectDescribe = Awaited<ReturnType<typeof describeObject>>;
type FieldInfo = ObjectDescribe['fields'][number];

const BATCH = 200;
// Collection calls in flight at once: a few concurrent requests per user are normal for Salesforce.
const CALLS_IN_FLIGHT = 3;
// Answers to an update that mean the record itself is not there (deleted, or another org's id).
const RECORD_GONE = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'INVALID_ID_FIELD', 'NOT_FOUND', 'MALFORMED_ID']);

function recordIsGone(error: { statusCode: string; fields?: string[] }): boolean {
  // A lookup field pointing nowhere has the same code but names that field.
  return RECORD_GONE.has(error.statusCode) && (!error.fields?.length || error.fields.includes('Id'));
}

async function currentStamps(session: SalesforceSession, object: string, ids: string[], checkpoint: () => void) {
  const stamps = new Map<string, string>();
  await inParallel(chunks(ids, BATCH), CALLS_IN_FLIGHT, async (batch) => {
    checkpoint();
    const list = batch.map((id) => `'${id}'`).join(',');
    const page = await session.request<{ records: { Id: string; SystemModstamp: string }[] }>(
      `/query?q=${encodeURIComponent(`SELECT Id, SystemModstamp FROM ${object} WHERE Id IN (${list})`)}`,
    );
    for (const record of page.records) stamps.set(record.Id, record.SystemModstamp);
  });
  return stamps;
}
const CHILD_DEPTH = 5;
const SYSTEM_FIELDS = new Set(['Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);

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

/** Parents before children, following the lookups among the objects being restored. */
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
function withChildren(
  state: Map<string, StoredRecord[]>,
  referenceFields: Map<string, FieldInfo[]>,
  recordIds: string[],
): Map<string, string[]> {
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

/**
 * Writes a snapshot's records back: existing records get their snapshot values (updateable fields),
 * deleted ones are re-created and lookups to them remapped to their new ids. Collections of at
 * most 200 with allOrNone off: one refused record is reported and the rest go on. Records are read
 * from the snapshot a collection at a time, while earlier collections are on their way.
 */
export async function runRestore(
  snapshot: SnapshotRow,
  session: SalesforceSession,
  snapshotsService: SnapshotService,
  params: RestoreParameters,
  options: RestoreOptions,
): Promise<void> {
  const objects = snapshotsService.requireObjects(snapshot, params.objects);
  const describes = new Map<string, ObjectDescribe>();
  for (const object of objects) {
    options.checkpoint();
    describes.set(object, await describeObject(session, object));
  }
  const referenceFields = new Map(objects.map((object) => [object, describes.get(object)!.fields.filter((f) => f.type === 'reference')]));
  const references = new Map(objects.map((object) => [object, referenceFields.get(object)!.flatMap((f) => f.referenceTo)]));

  // Ids asked for need no lookup to be sorted by object: an id starts with its object's key prefix.
  // Those of records deleted in the snapshot are skipped as they are read.
  const idsToRestore = (object: string) => {
    const prefix = describes.get(object)!.keyPrefix;
    if (params.recordIds.length > 0 && prefix) return params.recordIds.filter((id) => id.startsWith(prefix));
    return snapshotsService.liveRecordIds(snapshot, object, params.recordIds.length > 0 ? params.recordIds : undefined);
  };
  // Only finding children needs the records' contents up front; otherwise their ids are enough.
  const chosen =
    params.includeChildren && params.recordIds.length > 0
      ? withChildren(
          new Map(objects.map((object) => [object, snapshotsService.state(snapshot, object).filter((record) => !record.deleted)])),
          referenceFields,
          params.recordIds,
        )
      : new Map(objects.map((object) => [object, idsToRestore(object)]));
  const total = [...chosen.values()].reduce((sum, ids) => sum + ids.length, 0);
  let processed = 0;
  let failed = 0;
  options.onProgress(0, 0, total);

  // Records re-created here or by earlier restores keep their new ids: children link to them, and
  // they are updated rather than created once more.
  const newIds = new Map<string, string>();
  const remap = (value: unknown) => (typeof value === 'string' && newIds.has(value) ? newIds.get(value) : value);
  // The record itself, or the one a restore re-created in its place (a deleted record does not
  // come back, so the new id is the live one).
  const liveIdOf = (record: StoredRecord) => newIds.get(record.recordId) ?? record.recordId;

  for (const object of parentsFirst(objects, references)) {
    const ids = chosen.get(object) ?? [];
    if (ids.length === 0) continue;
    const fields = new Map(describes.get(object)!.fields.map((f) => [f.name, f]));
    const lookups = referenceFields.get(object)!;
    const read = snapshotsService.recordReader(snapshot, object);
    let checkedFields = false;

    const load = (batchIds: string[]): StoredRecord[] => {
      const records = read(batchIds).filter((record) => !record.deleted);
      processed += batchIds.length - records.length; // deleted in the snapshot: nothing to restore
      const referenced = records.flatMap((record) => [record.recordId, ...lookups.map((field) => (record.data[field.name] as string | null) ?? '')]);
      for (const [sourceId, newId] of options.earlierNewIds(referenced.filter((id) => id && !newIds.has(id)))) newIds.set(sourceId, newId);
      if (!checkedFields && records.length > 0) {
        checkedFields = true;
        const skipped = Object.keys(records[0].data).filter((name) => !fields.has(name) && !SYSTEM_FIELDS.has(name));
        if (skipped.length > 0) options.onWarning(`${object}: fields no longer on the org were skipped: ${skipped.sort().join(', ')}`);
      }
      return records;
    };

    const writable = (mode: 'createable' | 'updateable') => [...fields.values()].filter((field) => field[mode] && !SYSTEM_FIELDS.has(field.name));
    const writableFields = { PATCH: writable('updateable'), POST: writable('createable') };
    const values = (record: SalesforceRecord, method: 'POST' | 'PATCH') => {
      const out: Record<string, unknown> = { attributes: { type: object } };
      for (const { name, type } of writableFields[method]) {
        if (name in record) out[name] = type === 'reference' ? remap(record[name]) : record[name];
      }
      return out;
    };

    // Only a restore that must not overwrite later edits needs to read the records first.
    const notEditedSince = async (records: StoredRecord[]) => {
      if (params.overwrite) return records;
      const current = await currentStamps(session, object, records.map(liveIdOf), options.checkpoint);
      return records.filter((record) => {
        const stamp = current.get(liveIdOf(record));
        if (stamp === undefined || stamp <= String(record.data.SystemModstamp)) return true;
        processed += 1; // changed since the snapshot and overwriting was declined: left as it is
        return false;
      });
    };

    // Update first; a record Salesforce no longer has comes back as such and is re-created.
    const gone: StoredRecord[] = [];
    const save = async (method: 'POST' | 'PATCH', batch: StoredRecord[]) => {
      if (batch.length === 0) return;
      options.checkpoint();
      const body = batch.map((record) => {
        const fieldValues = values(record.data, method);
        if (method === 'PATCH') fieldValues.id = liveIdOf(record);
        return fieldValues;
      });
      const results = await session.request<SaveResult[]>({
        method,
        url: '/composite/sobjects',
        body: JSON.stringify({ allOrNone: false, records: body }),
      });
      const failures: RecordFailure[] = [];
      const recreated: [string, string][] = [];
      results.forEach((result, index) => {
        const source = batch[index];
        const error = result.errors[0] ?? { statusCode: 'UNKNOWN_EXCEPTION', message: 'Salesforce gave no reason' };
        if (result.success) {
          processed += 1;
          if (method === 'POST' && result.id) {
            newIds.set(source.recordId, result.id);
            recreated.push([source.recordId, result.id]);
          }
        } else if (method === 'PATCH' && recordIsGone(error)) {
          gone.push(source);
        } else {
          failed += 1;
          failures.push({ object, recordId: source.recordId, statusCode: error.statusCode, message: error.message });
        }
      });
      options.onRecreated(object, recreated);
      if (failures.length > 0) options.onFailures(failures);
      options.onProgress(processed, failed, total);
    };

    await inParallel(chunks(ids, BATCH), CALLS_IN_FLIGHT, async (batchIds) => save('PATCH', await notEditedSince(load(batchIds))));
    await inParallel(chunks(gone, BATCH), CALLS_IN_FLIGHT, (batch) => save('POST', batch));
    options.onProgress(processed, failed, total);
  }
}
