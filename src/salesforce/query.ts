/** REST queries: queryAll pages (deleted records included), however many, and the GET size limit. */
import type { SalesforceSession } from './session.ts';

export type SalesforceRecord = Record<string, unknown> & { Id: string };

/** A record as the JSON text REST gives (without `attributes`), with what a backup reads of it. */
export interface RecordText {
  Id: string;
  IsDeleted: boolean;
  json: string;
}

/** A record of a REST page as text; its `attributes` (type and URL envelope) are left out. */
export function recordText(record: SalesforceRecord): RecordText {
  record.attributes = undefined;
  return { Id: record.Id, IsDeleted: record.IsDeleted === true, json: JSON.stringify(record) };
}

export interface QueryPage<R = SalesforceRecord> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: R[];
}

const PAGE_SIZE_HEADER = { 'Sforce-Query-Options': 'batchSize=2000' };

/** Salesforce refuses a request line and headers over 16,384 bytes (414 or 431). */
const MAX_REQUEST_HEAD_BYTES = 16_384;
// Headers besides the access token (host, content type, query options, user agent, …), generously.
const OTHER_HEADER_BYTES = 1_024;

/** Whether a GET of this query stays within Salesforce's request size, headers included. */
export function fitsInGet(session: SalesforceSession, soql: string): boolean {
  const path = `/services/data/v${session.connection.version}/queryAll?q=${encodeURIComponent(soql)}`;
  const head = `GET ${path} HTTP/1.1\r\n`.length + `Authorization: Bearer ${session.connection.accessToken ?? ''}\r\n`.length + OTHER_HEADER_BYTES;
  return head <= MAX_REQUEST_HEAD_BYTES;
}

/**
 * Every page of a queryAll, however many (jsforce's autoFetch would stop at 10,000). The next
 * page is already on its way while the caller stores this one.
 */
export async function* queryAllPages<R = SalesforceRecord>(session: SalesforceSession, soql: string, checkpoint: () => void): AsyncGenerator<QueryPage<R>> {
  const fetchPage = (url: string) => {
    checkpoint();
    const page = session.request<QueryPage<R>>({ method: 'GET', url, headers: PAGE_SIZE_HEADER });
    // Awaited only once the page before is stored: a failure meanwhile must not go unhandled.
    page.catch(() => undefined);
    return page;
  };
  let pending: Promise<QueryPage<R>> | undefined = fetchPage(`/queryAll?q=${encodeURIComponent(soql)}`);
  while (pending) {
    const page: QueryPage<R> = await pending;
    pending = !page.done && page.nextRecordsUrl ? fetchPage(page.nextRecordsUrl) : undefined;
    yield page;
  }
}

/** The ids a query returns (recycle bin included), all pages. */
export async function queryAllIds(session: SalesforceSession, soql: string, checkpoint: () => void): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const page of queryAllPages<{ Id: string }>(session, soql, checkpoint)) for (const record of page.records) ids.add(record.Id);
  return ids;
}
