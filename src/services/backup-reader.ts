/**
 * How a backup reads one object: REST queryAll pages for small objects and for files (Bulk API
 * 2.0 cannot return base64 fields), a Bulk API 2.0 query job for large objects and for objects
 * too wide to list in a GET.
 */
import { bulkQueryAll } from '../salesforce/bulk-query.ts';
import { fitsInGet, queryAllPages, type SalesforceRecord } from '../salesforce/query.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import { selectQuery, stampedSince } from '../salesforce/soql.ts';

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

export interface ReadBatch {
  records: SalesforceRecord[];
  /** How many records the read will return, when Salesforce says (first batch of a REST read). */
  expected?: number;
}

/** The records Salesforce announced were not all returned: the object's copy would be incomplete. */
export class IncompleteReadError extends Error {
  constructor(object: string, expected: number, received: number) {
    super(`Salesforce announced ${expected} ${object} records but returned ${received}`);
    this.name = 'INCOMPLETE_READ';
  }
}

export function usesBulk(session: SalesforceSession, plan: ReadPlan, soql: string, bulkThreshold: number): boolean {
  if (!fitsInGet(session, soql)) return true;
  return plan.blobFields.length === 0 && plan.since === null && plan.estimatedCount >= bulkThreshold;
}

export async function* readObject(
  session: SalesforceSession,
  plan: ReadPlan,
  options: { checkpoint: () => void; bulkThreshold: number; signal: AbortSignal },
): AsyncGenerator<ReadBatch> {
  const where = plan.since ? stampedSince(plan.since) : undefined;
  const soql = selectQuery(plan.object, plan.fields, where);
  if (!usesBulk(session, plan, soql, options.bulkThreshold)) {
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
  // Bulk API 2.0 has no base64 fields: their files are read from the URL REST would have given.
  const bulkFields = plan.fields.filter((f) => !plan.blobFields.includes(f));
  const version = session.connection.version;
  for await (const records of bulkQueryAll(session, selectQuery(plan.object, bulkFields, where), {
    checkpoint: options.checkpoint,
    fieldTypes: plan.fieldTypes,
    signal: options.signal,
  })) {
    for (const record of records) {
      for (const field of plan.blobFields) record[field] = `/services/data/v${version}/sobjects/${plan.object}/${record.Id}/${field}`;
    }
    yield { records };
  }
}
