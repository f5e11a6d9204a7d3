/**
 * Bulk API 2.0 query jobs: the SOQL goes in a POST body (no URI limit), the job is polled with
 * backoff through UploadComplete and InProgress to JobComplete (Failed and Aborted end it), and
 * the CSV results are read page by page through `Sforce-Locator`, typed from describe into the
 * JSON text REST would give. The next
 * page is not asked for ahead: with it, a 1,000,000-record backup peaked at 378 MB (333 MB
 * without), the next page's unread body waiting in memory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CsvRowReader } from './csv-rows.ts';
import type { RecordText } from './query.ts';
import { isTransient, type SalesforceSession } from './session.ts';

type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface QueryJobInfo {
  id: string;
  state: JobState;
  numberRecordsProcessed?: number;
  errorMessage?: string;
}

/** The job ended Failed or Aborted: Salesforce's message says why. */
export class BulkQueryFailedError extends Error {
  constructor(state: JobState, message: string | undefined) {
    super(`Bulk API 2.0 query job ${state}${message ? `: ${message}` : ''}`);
    this.name = 'BULK_QUERY_FAILED';
  }
}

/** Turns one result page's CSV bytes, as they stream in, into batches of records, past its first `skip` records. */
export type PageDecoder<Batch extends { length: number }> = (bytes: AsyncIterable<Uint8Array>, skip: number) => AsyncIterable<Batch>;

export interface BulkQueryOptions<Batch extends { length: number }> {
  checkpoint: () => void;
  /** How pages are read: by default `csvRecordTexts` here, as the records stream in. */
  decode: PageDecoder<Batch>;
  /**
   * First pause before a poll, doubled each time up to `maxPollMs`: a small job is often done
   * within a fraction of a second, a large one waits seconds in Salesforce's queue.
   */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Called on each poll with the state seen (progress, tests). */
  onPoll?: (state: JobState) => void;
  signal?: AbortSignal;
}

/**
 * Bytes are decoded and parsed this many at a time. A whole network chunk (often past 100 KB) made
 * a string big enough for V8's large-object space; the records' fields, slices of it, kept it alive
 * through a young collection, which moves such a string straight to the old generation, where it
 * waits for a full collection: a 1,000,000-record backup's heap grew by about 100 MB that way.
 */
const TEXT_PIECE_BYTES = 32 * 1024;

/** Reads of one result page whose body may be cut off (a connection lost mid-transfer) before the job fails. */
const PAGE_READS = 3;

const NUMERIC = new Set(['int', 'double', 'currency', 'percent']);

/** CSV text to the value REST would give: null for empty, booleans, numbers, REST's datetime form. */
function typedValue(type: string | undefined, text: string): unknown {
  if (text === '') return null;
  if (type === 'boolean') return text === 'true';
  if (type && NUMERIC.has(type)) return Number(text);
  if (type === 'datetime') return text.replace(/Z$/, '+0000');
  return text;
}

/** Starts a queryAll job: Salesforce works on it from now on, while the caller may still read others. */
export function startBulkQuery(session: SalesforceSession, soql: string): Promise<QueryJobInfo> {
  return session.request<QueryJobInfo>({
    method: 'POST',
    url: '/jobs/query',
    body: JSON.stringify({ operation: 'queryAll', query: soql, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' }),
  });
}

/** Lets go of a job Salesforce may still be working on (the read was stopped or never came). */
export async function abortBulkQuery(session: SalesforceSession, job: QueryJobInfo): Promise<void> {
  if (job.state !== 'UploadComplete' && job.state !== 'InProgress') return;
  await session.release({ method: 'PATCH', url: `/jobs/query/${job.id}`, body: JSON.stringify({ state: 'Aborted' }) }).catch(() => undefined);
}

/**
 * Runs a queryAll job and yields its records in batches, in the order of the query's fields. A
 * job `started` ahead (`startBulkQuery`) has had time to finish: it is polled at once.
 */
export async function* bulkQueryAll<Batch extends { length: number }>(
  session: SalesforceSession,
  soql: string,
  options: BulkQueryOptions<Batch> & { started?: Promise<QueryJobInfo> },
): AsyncGenerator<Batch> {
  const { checkpoint, decode, firstPollMs = 50, maxPollMs = 10_000 } = options;
  checkpoint();
  let job = await (options.started ?? startBulkQuery(session, soql));
  try {
    for (let pause = options.started ? 0 : firstPollMs; job.state !== 'JobComplete'; pause = Math.min(Math.max(pause * 2, firstPollMs), maxPollMs)) {
      if (job.state === 'Failed' || job.state === 'Aborted') throw new BulkQueryFailedError(job.state, job.errorMessage);
      if (pause > 0) await sleep(pause, undefined, { signal: options.signal }).catch(() => undefined);
      checkpoint();
      job = await session.request<QueryJobInfo>(`/jobs/query/${job.id}`);
      options.onPoll?.(job.state);
    }
  } catch (error) {
    // Stopped while Salesforce still works on it (cancel, budget): let it go.
    await abortBulkQuery(session, job);
    throw error;
  }

  let received = 0;
  let locator: string | null = null;
  do {
    // A page's locator gives the same records each time: a page cut off is read again from its
    // start, past the records already handed on.
    let fromPage = 0;
    for (let read = 1; ; read++) {
      checkpoint();
      const response = await session.download(`/jobs/query/${job.id}/results${locator ? `?locator=${encodeURIComponent(locator)}` : ''}`);
      try {
        for await (const batch of decode(response.body as unknown as AsyncIterable<Uint8Array>, fromPage)) {
          fromPage += batch.length;
          received += batch.length;
          yield batch;
        }
      } catch (error) {
        if (!isTransient(error) || read >= PAGE_READS) throw error;
        continue;
      }
      const next = response.headers.get('sforce-locator');
      locator = next && next !== 'null' ? next : null;
      break;
    }
  } while (locator);
  if (job.numberRecordsProcessed !== undefined && received !== job.numberRecordsProcessed) {
    throw new Error(`The Bulk API 2.0 job announced ${job.numberRecordsProcessed} records but returned ${received}`);
  }
}

/** Bulk CSV to records as REST's JSON text, bytes in as they come, records out as their rows end. */
export class CsvRecordDecoder {
  private header: string[] | undefined;
  private types: (string | undefined)[] = [];
  private readonly rows = new CsvRowReader();
  private readonly text = new TextDecoder();

  /** `skip`: rows after the header left out, those of a page already read before it was cut off. */
  constructor(
    private readonly fieldTypes: Map<string, string>,
    private skip = 0,
  ) {}

  push(bytes: Uint8Array): RecordText[] {
    const records: RecordText[] = [];
    for (let start = 0; start < bytes.length; start += TEXT_PIECE_BYTES) {
      this.toRecords(this.rows.push(this.text.decode(bytes.subarray(start, start + TEXT_PIECE_BYTES), { stream: true })), records);
    }
    return records;
  }

  end(): RecordText[] {
    const records: RecordText[] = [];
    this.toRecords(this.rows.push(this.text.decode()), records);
    this.toRecords(this.rows.end(), records);
    return records;
  }

  private toRecords(rows: string[][], into: RecordText[]) {
    for (const row of rows) {
      if (!this.header) {
        this.header = row;
        this.types = row.map((name) => this.fieldTypes.get(name));
        continue;
      }
      if (this.skip > 0) {
        this.skip -= 1;
        continue;
      }
      // Built as an object and stringified: V8 writes that flat string faster than concatenating it.
      const record: Record<string, unknown> = {};
      for (let i = 0; i < this.header.length; i++) record[this.header[i]] = typedValue(this.types[i], row[i]);
      into.push({ Id: record.Id as string, IsDeleted: record.IsDeleted === true, json: JSON.stringify(record) });
    }
  }
}

/** Decodes pages on the calling thread, `batchSize` records at a time. */
export function csvRecordTexts(fieldTypes: Map<string, string>, batchSize = 500): PageDecoder<RecordText[]> {
  return async function* (bytes, skip) {
    const decoder = new CsvRecordDecoder(fieldTypes, skip);
    let batch: RecordText[] = [];
    for await (const chunk of bytes) {
      batch.push(...decoder.push(chunk));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    batch.push(...decoder.end());
    if (batch.length > 0) yield batch;
  };
}
