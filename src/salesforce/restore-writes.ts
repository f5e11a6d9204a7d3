/**
 * The Salesforce calls of a restore: reading what the org holds now, undelete, create and update.
 * Every write asks the org to set off no automation: no assignment rules (`Sforce-Auto-Assign:
 * FALSE`) and duplicate alerts acknowledged (`Sforce-Duplicate-Rule-Header: allowSave=true`).
 */
import type { SalesforceSession } from './session.ts';

export type OrgRecord = Record<string, unknown> & { Id: string };

export interface SaveResult {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}

export const QUIET_WRITE_HEADERS = {
  'Sforce-Auto-Assign': 'FALSE',
  'Sforce-Duplicate-Rule-Header': 'allowSave=true; includeRecordDetails=false; runAsCurrentUser=false',
};

/** At most this many records per collection call (Salesforce's limit). */
export const COLLECTION_SIZE = 200;
// A GET's URI and headers must stay under 16,384 bytes; ids take 21 characters each in the query.
const QUERY_URL_BUDGET = 12_000;

interface QueryPage {
  done: boolean;
  nextRecordsUrl?: string;
  records: OrgRecord[];
}

async function* queryAll(session: SalesforceSession, soql: string): AsyncGenerator<OrgRecord> {
  let page = await session.request<QueryPage>(`/queryAll?q=${encodeURIComponent(soql)}`);
  for (;;) {
    yield* page.records;
    if (page.done || !page.nextRecordsUrl) return;
    page = await session.request<QueryPage>(page.nextRecordsUrl);
  }
}

const quoted = (ids: string[]) => ids.map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`).join(',');

/** The records of given ids as the org holds them now, recycle bin included (`IsDeleted`); purged ones are absent. */
export async function currentRecords(session: SalesforceSession, object: string, fields: string[], ids: string[]): Promise<Map<string, OrgRecord>> {
  const select = [...new Set(['Id', 'IsDeleted', 'SystemModstamp', ...fields])].join(', ');
  const perQuery = Math.max(20, Math.min(COLLECTION_SIZE, Math.floor((QUERY_URL_BUDGET - select.length) / 21)));
  const found = new Map<string, OrgRecord>();
  for (let start = 0; start < ids.length; start += perQuery) {
    const soql = `SELECT ${select} FROM ${object} WHERE Id IN (${quoted(ids.slice(start, start + perQuery))})`;
    for await (const record of queryAll(session, soql)) found.set(record.Id, record);
  }
  return found;
}

/** Records of an object created at or after a moment (by one user, when given), recycle bin included. */
export function recordsCreatedSince(
  session: SalesforceSession,
  object: string,
  fields: string[],
  since: Date,
  createdById?: string,
): AsyncGenerator<OrgRecord> {
  const select = [...new Set(['Id', ...fields])].join(', ');
  const byUser = createdById ? ` AND CreatedById = '${createdById.replace(/[^A-Za-z0-9]/g, '')}'` : '';
  const stamp = since.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return queryAll(session, `SELECT ${select} FROM ${object} WHERE CreatedDate >= ${stamp}${byUser} ORDER BY Id`);
}

/** Brings records back from the recycle bin with their ids (SOAP `undelete`; repeating it does no harm). */
export async function undeleteRecords(session: SalesforceSession, ids: string[]): Promise<SaveResult[]> {
  const results = await session.soap((soap) => soap.undelete(ids));
  return results.map((result) => ({
    id: result.id,
    success: result.success,
    errors: (result.errors ?? []).map((e) => ({ statusCode: e.statusCode, message: e.message, fields: e.fields ?? [] })),
  }));
}

/**
 * Creates up to 200 records, each on its own (allOrNone off). Sent once: a lost answer is an
 * UnknownOutcomeError, for the caller to find out what Salesforce made of it.
 */
export function createRecords(session: SalesforceSession, records: Record<string, unknown>[]): Promise<SaveResult[]> {
  return session.requestOnce<SaveResult[]>({
    method: 'POST',
    url: '/composite/sobjects',
    body: JSON.stringify({ allOrNone: false, records }),
    headers: QUIET_WRITE_HEADERS,
  });
}

/** Updates up to 200 records by id with the fields given (safe to repeat: retried when transient). */
export function updateRecords(session: SalesforceSession, records: Record<string, unknown>[]): Promise<SaveResult[]> {
  return session.request<SaveResult[]>({
    method: 'PATCH',
    url: '/composite/sobjects',
    body: JSON.stringify({ allOrNone: false, records }),
    headers: QUIET_WRITE_HEADERS,
  });
}
