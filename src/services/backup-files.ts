/** Files of backed-up records: each base64 field's URL becomes a reference to its stored bytes. */
import { readBlob } from '../salesforce/blobs.ts';
import type { SalesforceRecord } from '../salesforce/query.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import type { BlobRef, BlobStore } from '../storage/blob-store.ts';
import type { ReadPlan } from './backup-reader.ts';

// Files on their way at once: each is one API call, streamed to disk.
const CONCURRENT_FILES = 4;

const isBlobRef = (value: unknown): value is BlobRef => typeof value === 'object' && value !== null && typeof (value as BlobRef).blob === 'string';

/**
 * Replaces each file URL of the records by `{ blob, size }` once its bytes are stored. A file
 * Salesforce no longer has (404: deleted since the query, or no content) is null. A record the
 * last snapshot holds with the same SystemModstamp keeps that snapshot's file, already stored:
 * a full pass does not download unchanged files again.
 */
export async function attachFiles(
  session: SalesforceSession,
  blobs: BlobStore,
  plan: ReadPlan,
  records: SalesforceRecord[],
  options: { checkpoint: () => void; previously?: (ids: string[]) => Promise<Map<string, SalesforceRecord>> },
): Promise<void> {
  if (plan.blobFields.length === 0) return;
  const previous = (await options.previously?.(records.map((record) => record.Id))) ?? new Map<string, SalesforceRecord>();
  for (const record of records) {
    const before = previous.get(record.Id);
    if (!before || before.SystemModstamp !== record.SystemModstamp) continue;
    for (const field of plan.blobFields) {
      const kept = before[field];
      if (typeof record[field] === 'string' && isBlobRef(kept) && blobs.has(kept.blob)) record[field] = kept;
    }
  }
  const { checkpoint } = options;
  const work = records.flatMap((record) =>
    plan.blobFields.filter((field) => typeof record[field] === 'string').map((field) => ({ record, field, url: record[field] as string })),
  );
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const { record, field, url } = work[next++];
      checkpoint();
      record[field] = await storeFile(session, blobs, url);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_FILES, work.length) }, worker));
}

async function storeFile(session: SalesforceSession, blobs: BlobStore, url: string): Promise<BlobRef | null> {
  try {
    const { sha256, size } = await blobs.write(await readBlob(session, url));
    return { blob: sha256, size };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}
