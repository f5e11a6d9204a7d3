/**
 * How a backup reads one object: REST queryAll pages for small objects and for files (Bulk API
 * 2.0 cannot return base64 fields), a Bulk API 2.0 query job for large objects and for objects
 * too wide to list in a GET.
 */
import { bulkQueryAll, csvRecordTexts, type PageDecoder, type QueryJobInfo } from '../salesforce/bulk-query.ts';
import { fitsInGet, queryAllPages, type SalesforceRecord } from '../salesforce/query.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import { selectQuery, stampedSince } from '../salesforce/soql.ts';
import type { SealedBatch } from './record-sealing.ts';

export interface ReadPlan {
  object: string;
  fields: string[];
  fieldTypes: Map<string, string>;
  /** base64 fields: their values are URLs of the files. */
  blobFields: string[];
  /** Read only records stamped from then on (an incremental backup); null reads them all. */
  since: string | null;
  /** Salesforce's approximate count of live records. */
  estimatedCount: number;
}

/**
 * Records read: as objects when they are to be changed before storing (their file fields still
 * hold the files' URLs), or already sealed for storing.
 */
export type ReadBatch = ({ records: SalesforceRecord[]; sealed?: never } | { sealed: SealedBatch; records?: never }) & {
  /** How many records the read will return, when Salesforce says (first batch of a REST read). */
  expected?: number;
};

/** The records Salesforce announced were not all returned: the object's copy would be incomplete. */
export class IncompleteReadError extends Error {
  constructor(object: string, expected: number, received: number) {
    super(`Salesforce announced ${expected} ${object} records but returned ${received}`);
    this.name = 'INCOMPLETE_READ';
  }
}

/**
 * The Bulk API 2.0 query of a read that goes through Bulk, or undefined for REST: a large object
 * on a full pass, or an object too wide to list in a GET. Bulk 2.0 has no base64 fields: their
 * files are read from the URL REST would have given.
 */
export function bulkQueryOf(session: SalesforceSession, plan: ReadPlan, bulkThreshold: number): string | undefined {
  const where = plan.since ? stampedSince(plan.since) : undefined;
  const large = plan.blobFields.length === 0 && plan.since === null && plan.estimatedCount >= bulkThreshold;
  if (!large && fitsInGet(session, selectQuery(plan.object, plan.fields, where))) return undefined;
  return selectQuery(plan.object, plan.fields.filter((f) => !plan.blobFields.includes(f)), where);
}

export async function* readObject(
  session: SalesforceSession,
  plan: ReadPlan,
  options: {
    checkpoint: () => void;
    bulkThreshold: number;
    signal: AbortSignal;
    /** Decodes and seals Bulk API 2.0 pages of an object without files (a thread does). */
    sealedPages: PageDecoder<SealedBatch>;
    /** This read's Bulk job, started while the object before was read. */
    started?: Promise<QueryJobInfo>;
  },
): AsyncGenerator<ReadBatch> {
  const query = bulkQueryOf(session, plan, options.bulkThreshold);
  if (query === undefined) {
    const soql = selectQuery(plan.object, plan.fields, plan.since ? stampedSince(plan.since) : undefined);
    let received = 0;
    let expected: number | undefined;
    for await (const page of queryAllPages(session, soql, options.checkpoint)) {
      const first = expected === undefined;
      expected = page.totalSize;
      received += page.records.length;
      yield { records: page.records, expected: first ? expected : undefined };
    }
    if (received !== expected) throw new IncompleteReadError(plan.object, expected ?? 0, received);
    return;
  }
  const { checkpoint, signal, started } = options;
  if (plan.blobFields.length === 0) {
    for await (const sealed of bulkQueryAll(session, query, { checkpoint, signal, started, decode: options.sealedPages })) yield { sealed };
    return;
  }
  const version = session.connection.version;
  for await (const texts of bulkQueryAll(session, query, { checkpoint, signal, started, decode: csvRecordTexts(plan.fieldTypes) })) {
    const records = texts.map(({ json }) => JSON.parse(json) as SalesforceRecord);
    for (const record of records) {
      for (const field of plan.blobFields) record[field] = `/services/data/v${version}/sobjects/${plan.object}/${record.Id}/${field}`;
    }
    yield { records };
  }
}
