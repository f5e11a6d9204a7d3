/** `/query`, `/queryAll` and `/query/<locator>`: SOQL over REST with paging. */
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorResponse } from '../types.ts';
import { ApiError } from './errors.ts';
import type { CursorStore, Cursor } from './query-cursors.ts';
import { recordWriter } from './records-json.ts';
import { planQuery, selectRows } from './soql.ts';
import type { OrgStore } from './store.ts';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

const DEFAULT_BATCH = 2000;

/** `Sforce-Query-Options: batchSize=N`, clamped to 200..2000 like Salesforce. */
export function batchSizeOf(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers['sforce-query-options'];
  const match = /batchSize\s*=\s*(\d+)/i.exec(Array.isArray(raw) ? raw.join(',') : raw ?? '');
  return match ? Math.min(2000, Math.max(200, Number(match[1]))) : undefined;
}

function page(cursors: CursorStore, cursor: Cursor, offset: number, version: string): EmulatorResponse {
  const { rows, writeRecord } = cursor;
  const end = Math.min(rows.length, offset + cursor.batchSize);
  const records = new Array<string>(end - offset);
  for (let i = offset; i < end; i++) records[i - offset] = writeRecord(rows[i]);
  const done = end >= rows.length;
  if (done) cursors.close(cursor);
  const next = done ? '' : `"nextRecordsUrl":"/services/data/v${version}/query/${cursor.id}-${end}",`;
  return {
    status: 200,
    headers: { 'Content-Type': JSON_CONTENT_TYPE },
    body: `{"totalSize":${rows.length},"done":${done},${next}"records":[${records.join(',')}]}`,
  };
}

export function runQuery(
  store: OrgStore,
  cursors: CursorStore,
  soql: string | null,
  includeDeleted: boolean,
  version: string,
  headers: IncomingHttpHeaders,
  now: number,
): EmulatorResponse {
  if (!soql) throw new ApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const plan = planQuery(soql, store, now);
  const rows = selectRows(plan, includeDeleted);
  if (plan.countOnly) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
  const writer = recordWriter(store, plan.table, plan.columns, version);
  const cursor = cursors.open(rows, batchSizeOf(headers) ?? DEFAULT_BATCH, writer);
  return page(cursors, cursor, 0, version);
}

export function continueQuery(cursors: CursorStore, locator: string, version: string, headers: IncomingHttpHeaders): EmulatorResponse {
  const { cursor, offset } = cursors.resume(locator);
  const batchSize = batchSizeOf(headers);
  if (batchSize) cursor.batchSize = batchSize;
  return page(cursors, cursor, offset, version);
}
