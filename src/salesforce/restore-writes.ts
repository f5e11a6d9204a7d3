/**
 * The Salesforce calls of a restore: reading what the org holds now, undelete, create and update.
 * Every write asks the org to set off no automation: no assignment rules (`Sforce-Auto-Assign:
 * FALSE`) and duplicate alerts acknowledged (`Sforce-Duplicate-Rule-Header: allowSave=true`).
 */
import { randomUUID } from 'node:crypto';
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

// An id in `IN (…)`, URL-encoded: 18 characters, two quotes and a comma.
const ENCODED_ID_BYTES = 27;

/**
 * A wide object's fields in groups whose URL-encoded list leaves room for ids in a GET: each group
 * is queried on its own and the rows merged by Id.
 */
function fieldGroups(first: string[], fields: string[]): string[] {
  const groups: string[][] = [];
  let group = [...first];
  for (const field of fields) {
    if (first.includes(field)) continue;
    if (encodeURIComponent([...group, field].join(', ')).length > QUERY_URL_BUDGET / 2) {
      groups.push(group);
      group = [...first];
    }
    group.push(field);
  }
  groups.push(group);
  return groups.map((g) => g.join(', '));
}

/**
 * The records of given ids as the org holds them now, recycle bin included (`IsDeleted`); purged
 * ones are absent. Live records come from one SObject Collections retrieve (up to 2,000 ids, a
 * POST, so any number of fields fits); only the ids it does not find are looked up with queryAll.
 */
export async function currentRecords(session: SalesforceSession, object: string, fields: string[], ids: string[]): Promise<Map<string, OrgRecord>> {
  const wanted = [...new Set(['Id', 'IsDeleted', 'SystemModstamp', ...fields])];
  const found = new Map<string, OrgRecord>();
  if (ids.length === 0) return found;
  const live = await session.request<(OrgRecord | null)[]>({
    method: 'POST',
    url: `/composite/sobjects/${encodeURIComponent(object)}`,
    body: JSON.stringify({ ids, fields: wanted }),
  });
  const missing = ids.filter((_, index) => !live[index]);
  for (const record of live) if (record) found.set(record.Id, record);
  // A wide object's fields go in groups that fit a GET, merged by Id.
  for (const select of fieldGroups(['Id', 'IsDeleted', 'SystemModstamp'], fields)) {
    const perQuery = Math.max(20, Math.min(COLLECTION_SIZE, Math.floor((QUERY_URL_BUDGET - encodeURIComponent(select).length) / ENCODED_ID_BYTES)));
    for (let start = 0; start < missing.length; start += perQuery) {
      const soql = `SELECT ${select} FROM ${object} WHERE Id IN (${quoted(missing.slice(start, start + perQuery))})`;
      for await (const record of queryAll(session, soql)) found.set(record.Id, { ...found.get(record.Id), ...record });
    }
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
  const byUser = createdById ? ` AND CreatedById = '${createdById.replace(/[^A-Za-z0-9]/g, '')}'` : '';
  const stamp = since.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const groups = fieldGroups(['Id'], fields);
  if (groups.length === 1) return queryAll(session, `SELECT ${groups[0]} FROM ${object} WHERE CreatedDate >= ${stamp}${byUser} ORDER BY Id`);
  return (async function* () {
    const merged = new Map<string, OrgRecord>();
    for (const select of groups) {
      for await (const record of queryAll(session, `SELECT ${select} FROM ${object} WHERE CreatedDate >= ${stamp}${byUser} ORDER BY Id`)) {
        merged.set(record.Id, { ...merged.get(record.Id), ...record });
      }
    }
    yield* merged.values();
  })();
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

export interface FilePart {
  field: string;
  bytes: Buffer;
  filename: string;
}

/**
 * Creates one record with a file too large for a JSON body (Salesforce takes at most 37.5 MB of
 * base64 there): a multipart request, its fields as JSON in the first part and the file's bytes in
 * the second. Sent once, like every create; Salesforce's refusal comes back as a failed result.
 */
export async function createRecordWithFile(
  session: SalesforceSession,
  object: string,
  values: Record<string, unknown>,
  file: FilePart,
): Promise<SaveResult> {
  const boundary = `restore-${randomUUID()}`;
  const head = [
    `--${boundary}`,
    'Content-Disposition: form-data; name="entity_content";',
    'Content-Type: application/json',
    '',
    JSON.stringify(values),
    `--${boundary}`,
    'Content-Type: application/octet-stream',
    `Content-Disposition: form-data; name="${file.field}"; filename="${file.filename.replace(/["\r\n]/g, '_')}"`,
    '',
    '',
  ].join('\r\n');
  const body = Buffer.concat([Buffer.from(head), file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  try {
    return await session.requestOnce<SaveResult>({
      method: 'POST',
      url: `/sobjects/${encodeURIComponent(object)}`,
      body,
      headers: { ...QUIET_WRITE_HEADERS, 'content-type': `multipart/form-data; boundary="${boundary}"` },
    });
  } catch (error) {
    const { name, message, errorCode } = error as { name?: string; message: string; errorCode?: string };
    if (!errorCode) throw error;
    return { success: false, errors: [{ statusCode: name ?? errorCode, message }] };
  }
}
