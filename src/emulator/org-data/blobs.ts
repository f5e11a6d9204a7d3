/** `GET /sobjects/X/{id}/{base64Field}`: a file's raw bytes (what a query's blob URL points at). */
import type { EmulatorResponse } from '../types.ts';
import { notFound } from './errors.ts';
import { canonicalId15 } from './ids.ts';
import type { OrgStore } from './store.ts';
import type { Table } from './table.ts';

/** The bytes of a live or recycled record's base64 field; undefined when there is no such record or no content. */
export function blobBytes(store: OrgStore, table: Table, id: string, field: string): Buffer | undefined {
  const id15 = canonicalId15(id);
  const ref = id15 ? store.resolve(id15) : undefined;
  if (!ref || ref.table !== table) return undefined;
  const value = table.get(ref.row, table.fieldIndex(field));
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}

export function blobResponse(store: OrgStore, table: Table, id: string, field: string): EmulatorResponse {
  const bytes = blobBytes(store, table, id, field);
  if (!bytes) return notFound();
  return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: bytes };
}
