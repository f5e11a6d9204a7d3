import { expect } from 'vitest';
import { CsvRowReader } from '../../src/salesforce/csv-rows.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';

export type CsvRecord = Record<string, string>;

/** Rows of a CSV with a header line, as objects keyed by the header's names. */
export function parseCsv(text: string): { columns: string[]; records: CsvRecord[] } {
  const reader = new CsvRowReader();
  const [columns = [], ...rows] = [...reader.push(text), ...reader.end()];
  return { columns, records: rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i] ?? '']))) };
}

/** One object of a snapshot as CSV, downloaded with the client's key as any HTTP tool would. */
export async function downloadCsv(client: GraphQLClient, snapshotId: string, object: string): Promise<{ columns: string[]; records: CsvRecord[] }> {
  const url = new URL('/exports', client.baseUrl);
  url.search = new URLSearchParams({ snapshot: snapshotId, object }).toString();
  const response = await fetch(url, { headers: { authorization: `Bearer ${client.apiKey}` } });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
  return parseCsv(await response.text());
}
