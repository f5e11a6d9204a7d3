import { setImmediate } from 'node:timers/promises';
import type { JobRow, SnapshotRow } from '../../db/schema.ts';
import { JobStoppedError } from '../errors.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import type { SalesforceRecord, SnapshotService } from './snapshots.ts';

export interface GlobalDescribe {
  sobjects: { name: string; queryable: boolean; retrieveable: boolean; replicateable: boolean }[];
}

interface ObjectDescribe {
  /** The first three characters of the object's record ids; null for the few objects without ids of their own. */
  keyPrefix: string | null;
  fields: { name: string; type: string; createable: boolean; updateable: boolean; referenceTo: string[] }[];
}

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SalesforceRecord[];
}

// Objects that only make sense inside Salesforce: change history, sharing rows, feeds.
const DERIVED_OBJECT = /(History|Share|Feed)$/;
// Compound fields repeat their components, which are queried on their own.
const COMPOUND_TYPES = new Set(['address', 'location']);
const PAGE_SIZE_HEADER = { 'Sforce-Query-Options': 'batchSize=2000' };
// A page is stored a slice at a time, yielding in between, so the next page (already requested)
// keeps streaming in; stored in one go, it waited in a full socket buffer.
const STORE_SLICE = 500;

export interface BackupOptions {
  /** An incremental backup every time but every Nth, which is full. */
  fullBackupEvery: number;
  onProgress: (processed: number, total: number) => void;
  /** Checked before each Salesforce call: throws when the job must stop (budget, cancel). */
  checkpoint: () => void;
}

/** Objects a backup can take: the ones it takes when the user names none. */
export function backupableObjects(global: GlobalDescribe): string[] {
  return global.sobjects
    .filter((o) => o.queryable && o.retrieveable && o.replicateable && !DERIVED_OBJECT.test(o.name))
    .map((o) => o.name);
}

export async function describeObject(session: SalesforceSession, object: string): Promise<ObjectDescribe> {
  return session.request<ObjectDescribe>(`/sobjects/${encodeURIComponent(object)}/describe`);
}

/**
 * Every page of a queryAll (deleted records included), however many: jsforce's autoFetch would
 * stop at 10,000. The next page is already on its way while the caller stores this one.
 */
async function* queryAllPages(session: SalesforceSession, soql: string, checkpoint: () => void): AsyncGenerator<QueryPage> {
  const fetchPage = (url: string) => {
    checkpoint();
    return session.request<QueryPage>({ method: 'GET', url, headers: PAGE_SIZE_HEADER });
  };
  let pending: Promise<QueryPage> | undefined = fetchPage(`/queryAll?q=${encodeURIComponent(soql)}`);
  try {
    while (pending) {
      const page: QueryPage = await pending;
      pending = !page.done && page.nextRecordsUrl ? fetchPage(page.nextRecordsUrl) : undefined;
      yield page;
    }
  } finally {
    // The caller stopped early (cancelled, or a write failed): the page on its way is not wanted.
    pending?.catch(() => undefined);
  }
}

/**
 * Copies the org's records into a snapshot, page by page. After a full backup, the next ones ask
 * only for records whose SystemModstamp passed the last high-water mark (deletions included),
 * until the periodic full pass.
 */
export async function runBackup(
  job: JobRow,
  session: SalesforceSession,
  snapshotsService: SnapshotService,
  options: BackupOptions,
): Promise<SnapshotRow> {
  const objects = job.objects.length > 0 ? job.objects : backupableObjects(await session.request<GlobalDescribe>('/sobjects'));
  const previous = snapshotsService.latestComplete(job.instanceId);
  const full =
    !previous || (job.parameters.kind === 'BACKUP' && job.parameters.full) || snapshotsService.chainLength(previous) >= options.fullBackupEvery;
  const base = full ? undefined : previous;
  const marks = new Map(base ? snapshotsService.objectsOf([base.id]).map((o) => [o.name, o.highWaterMark]) : []);
  const snapshot = snapshotsService.begin(job.instanceId, job.id, base);

  const plans = [];
  let total = 0;
  for (const object of objects) {
    options.checkpoint();
    const describe = await describeObject(session, object);
    const fields = describe.fields.filter((f) => !COMPOUND_TYPES.has(f.type)).map((f) => f.name);
    const mark = marks.get(object);
    // >= rather than >: a record saved in the same millisecond as the mark is fetched again
    // (its unchanged version is not stored twice) instead of being missed.
    const where = mark ? ` WHERE SystemModstamp >= ${soqlDateTime(mark)}` : '';
    const count = await session.request<QueryPage>(`/queryAll?q=${encodeURIComponent(`SELECT COUNT() FROM ${object}${where}`)}`);
    total += count.totalSize;
    plans.push({ object, soql: `SELECT ${fields.join(', ')} FROM ${object}${where}` });
  }
  options.onProgress(0, total);

  let processed = 0;
  const stored: { name: string; highWaterMark: string | null }[] = [];
  for (const { object, soql } of plans) {
    let received = 0;
    let expected = 0;
    let highWaterMark = marks.get(object) ?? null;
    for await (const page of queryAllPages(session, soql, options.checkpoint)) {
      expected = page.totalSize;
      for (let start = 0; start < page.records.length; start += STORE_SLICE) {
        snapshotsService.storeRecords(snapshot.id, object, page.records.slice(start, start + STORE_SLICE));
        await setImmediate();
      }
      for (const record of page.records) {
        const stamp = record.SystemModstamp as string | undefined;
        if (stamp && (!highWaterMark || stamp > highWaterMark)) highWaterMark = stamp;
      }
      received += page.records.length;
      processed += page.records.length;
      options.onProgress(processed, Math.max(total, processed));
    }
    if (received !== expected) {
      throw new JobStoppedError(`Salesforce announced ${expected} ${object} records but returned ${received}; the snapshot is not complete`);
    }
    stored.push({ name: object, highWaterMark });
  }
  snapshotsService.complete(snapshot, stored);
  return snapshot;
}

/** Salesforce returns `2024-01-15T10:30:00.000+0000`; SOQL wants an ISO offset. */
function soqlDateTime(stamp: string): string {
  return stamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}
