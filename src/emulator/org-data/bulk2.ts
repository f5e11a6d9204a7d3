/**
 * Bulk API 2.0 query jobs: results are fixed when the job is created and served as CSV pages.
 * A job stays UploadComplete, then InProgress, for `processingMs` before it is JobComplete (or
 * Failed), as a real org keeps a client polling.
 */
import type { EmulatorResponse } from '../types.ts';
import { apiError, methodNotAllowed, notFound } from './errors.ts';
import { encodeBase62, to18 } from './ids.ts';
import { COLUMN_DELIMITERS, csvHeader, csvRowWriter } from './csv.ts';
import { planQuery, selectRows } from './soql.ts';
import type { OrgStore } from './store.ts';
import { formatDatetime } from './values.ts';

type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  createdDate: string;
  state: JobState;
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  rows: Int32Array;
  /** When processing ends; the job is JobComplete (or Failed) from then on. */
  readyAt: number;
  errorMessage: string | undefined;
  header: string;
  writeRow: (row: number) => string;
}

export interface BulkJobSettings {
  /** How long a job stays queued and in progress. */
  processingMs: number;
  /** Records per results page when the client does not say (Salesforce picks its own). */
  pageRecords: number;
  /** The next job fails with this message. */
  failNext?: string;
}

export class BulkQueryJobs {
  private readonly jobs = new Map<string, QueryJob>();
  readonly settings: BulkJobSettings = { processingMs: 100, pageRecords: 100_000 };
  /** Jobs created, polls that found a job still queued or in progress, and jobs a client aborted. */
  readonly stats = { created: 0, pollsInProgress: 0, aborted: 0 };
  private counter = 0;
  private readonly userId: string;

  constructor(
    private readonly store: OrgStore,
    private readonly orgTag: string,
    private readonly now: () => number,
  ) {
    this.userId = to18(`005${orgTag}0000000001`);
  }

  handle(method: string, segments: string[], query: URLSearchParams, body: unknown, version: string): EmulatorResponse {
    if (segments.length === 0) {
      if (method === 'POST') return this.create(body, version);
      if (method === 'GET') return this.list();
      return methodNotAllowed(method, ['GET', 'POST']);
    }
    const job = this.jobs.get(segments[0]);
    if (!job) return notFound();
    if (segments.length === 1) {
      if (method === 'GET') return this.check(job);
      if (method === 'DELETE') {
        this.jobs.delete(job.id);
        return { status: 204 };
      }
      if (method === 'PATCH') return this.abort(job, body);
      return methodNotAllowed(method, ['GET', 'PATCH', 'DELETE']);
    }
    if (segments.length === 2 && segments[1] === 'results') {
      if (method !== 'GET') return methodNotAllowed(method, ['GET']);
      return this.results(job, query);
    }
    return notFound();
  }

  private create(body: unknown, version: string): EmulatorResponse {
    const b = (body ?? {}) as { query?: string; operation?: string; columnDelimiter?: string; lineEnding?: string };
    if (typeof b.query !== 'string' || !b.query) return apiError(400, 'INVALIDJOB', 'A query must be provided');
    if (b.operation !== 'query' && b.operation !== 'queryAll') {
      return apiError(400, 'INVALIDJOB', `Invalid operation: ${String(b.operation)}`);
    }
    const columnDelimiter = b.columnDelimiter ?? 'COMMA';
    const delimiter = COLUMN_DELIMITERS[columnDelimiter];
    if (!delimiter) return apiError(400, 'INVALIDJOB', `Invalid column delimiter: ${columnDelimiter}`);
    const lineEnding = b.lineEnding === 'CRLF' ? 'CRLF' : 'LF';
    const plan = planQuery(b.query, this.store, this.now());
    if (plan.countOnly) return apiError(400, 'API_ERROR', 'Aggregate queries are not supported by Bulk API 2.0');
    const failure = plan.columns.some((c) => c.field.type === 'base64')
      ? 'FUNCTIONALITY_NOT_ENABLED: Selecting base64 data not supported in Bulk Query'
      : this.settings.failNext;
    this.settings.failNext = undefined;
    const job: QueryJob = {
      id: to18(`750${this.orgTag}0${encodeBase62(++this.counter, 9)}`),
      operation: b.operation,
      object: plan.table.name,
      createdDate: formatDatetime(this.now()),
      state: 'UploadComplete',
      apiVersion: Number(version),
      lineEnding,
      columnDelimiter,
      rows: selectRows(plan, b.operation === 'queryAll'),
      readyAt: this.now() + this.settings.processingMs,
      errorMessage: failure,
      header: csvHeader(plan.columns, delimiter),
      writeRow: csvRowWriter(this.store, plan.columns, delimiter),
    };
    this.jobs.set(job.id, job);
    this.stats.created++;
    return { status: 200, body: this.info(job) };
  }

  private info(job: QueryJob) {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: this.userId,
      createdDate: job.createdDate,
      systemModstamp: job.createdDate,
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
  }

  /** UploadComplete until first seen, InProgress until `readyAt`, then JobComplete or Failed. */
  private advance(job: QueryJob): void {
    if (job.state !== 'UploadComplete' && job.state !== 'InProgress') return;
    if (this.now() < job.readyAt) job.state = 'InProgress';
    else job.state = job.errorMessage ? 'Failed' : 'JobComplete';
  }

  private check(job: QueryJob): EmulatorResponse {
    this.advance(job);
    if (job.state === 'InProgress') this.stats.pollsInProgress++;
    return {
      status: 200,
      body: {
        ...this.info(job),
        ...(job.state === 'Failed' ? { errorMessage: job.errorMessage } : {}),
        jobType: 'V2Query',
        numberRecordsProcessed: job.state === 'JobComplete' ? job.rows.length : 0,
        retries: 0,
        totalProcessingTime: 0,
        isPkChunkingSupported: true,
      },
    };
  }

  private abort(job: QueryJob, body: unknown): EmulatorResponse {
    if ((body as { state?: string } | null)?.state !== 'Aborted') return apiError(400, 'INVALIDJOB', 'Only Aborted is accepted');
    this.advance(job);
    if (job.state !== 'UploadComplete' && job.state !== 'InProgress') return apiError(400, 'INVALIDJOB', `Job is already ${job.state === 'JobComplete' ? 'complete' : job.state}`);
    job.state = 'Aborted';
    this.stats.aborted++;
    return { status: 200, body: this.info(job) };
  }

  private list(): EmulatorResponse {
    return { status: 200, body: { done: true, records: [...this.jobs.values()].map((j) => this.info(j)), nextRecordsUrl: null } };
  }

  /** One CSV page; `Sforce-Locator` names the next, or is the string `null` after the last. */
  private results(job: QueryJob, query: URLSearchParams): EmulatorResponse {
    if (job.state !== 'JobComplete') return apiError(400, 'INVALIDJOB', `Job is not complete: ${job.state}`);
    const locator = query.get('locator');
    const start = locator ? Number(Buffer.from(locator, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0 || start > job.rows.length) {
      return apiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
    }
    const maxRecords = Number(query.get('maxRecords') ?? 0) || this.settings.pageRecords;
    const end = Math.min(job.rows.length, start + maxRecords);
    const newline = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/csv',
        'Sforce-NumberOfRecords': String(end - start),
        'Sforce-Locator': end < job.rows.length ? Buffer.from(String(end)).toString('base64url') : 'null',
      },
      stream: csvPage(job, start, end, newline),
    };
  }
}

const ROWS_PER_PIECE = 500;

/** A results page streams as Salesforce sends its stored result file: the first rows arrive before the last are written. */
function* csvPage(job: QueryJob, start: number, end: number, newline: string): Generator<string> {
  yield job.header + newline;
  for (let from = start; from < end; from += ROWS_PER_PIECE) {
    let piece = '';
    for (let i = from; i < Math.min(end, from + ROWS_PER_PIECE); i++) piece += job.writeRow(job.rows[i]) + newline;
    yield piece;
  }
}
