/** Files going back to Salesforce: a stored `{ blob, size }` value becomes the base64 of its bytes again. */
import { buffer } from 'node:stream/consumers';
import type { BlobRef, BlobStore } from '../storage/blob-store.ts';
import type { SalesforceRecord } from './snapshots.ts';

const isBlobRef = (value: unknown): value is BlobRef =>
  typeof value === 'object' && value !== null && typeof (value as BlobRef).blob === 'string' && typeof (value as BlobRef).size === 'number';

/** The record with each file's content inlined as base64 (a copy; the record itself is untouched). */
export async function withFileContents(blobs: BlobStore, record: SalesforceRecord): Promise<SalesforceRecord> {
  const files = Object.entries(record).filter(([, value]) => isBlobRef(value));
  if (files.length === 0) return record;
  const copy = { ...record };
  for (const [field, ref] of files) copy[field] = (await buffer(blobs.read((ref as BlobRef).blob))).toString('base64');
  return copy;
}
