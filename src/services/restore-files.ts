/**
 * Files in a restore: a snapshot holds a base64 field (Attachment.Body, ContentVersion.VersionData)
 * as `{ blob, size }`, the SHA-256 of the bytes kept in the blob store. They go back byte for byte:
 * base64 inside a JSON create while the request stays well under Salesforce's 37.5 MB of base64
 * per JSON message, and as a multipart create of their own when larger. On a record that still
 * exists, a file whose bytes in the org differ is sent back in its update.
 */
export interface BlobRef {
  blob: string;
  size: number;
}

export const isBlobRef = (value: unknown): value is BlobRef =>
  typeof value === 'object' && value !== null && typeof (value as BlobRef).blob === 'string' && typeof (value as BlobRef).size === 'number';

/** A file larger than this goes alone, as multipart (base64 would take 4/3 of it). */
export const LARGE_FILE_BYTES = 20 * 1024 * 1024;
/** Files' bytes sent in one JSON collection call at most. */
const FILE_BYTES_PER_CALL = 20 * 1024 * 1024;

const fileBytesOf = (values: Record<string, unknown>) => Object.values(values).reduce<number>((sum, v) => sum + (isBlobRef(v) ? v.size : 0), 0);

/** The file fields of a record's values that hold a file to send. */
export const filesOf = (values: Record<string, unknown>) => Object.entries(values).filter((entry): entry is [string, BlobRef] => isBlobRef(entry[1]));

/**
 * Create calls for records in order: up to `size` records a call, no more file bytes than a JSON
 * body takes, and a record with a large file in a call of its own (multipart).
 */
export function createCalls<T>(items: T[], valuesOf: (item: T) => Record<string, unknown>, size: number): { items: T[]; multipart: boolean }[] {
  const calls: { items: T[]; multipart: boolean }[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = fileBytesOf(valuesOf(item));
    if (itemBytes > LARGE_FILE_BYTES && filesOf(valuesOf(item)).length === 1) {
      calls.push({ items: [item], multipart: true });
      continue;
    }
    if (current.length === size || (current.length > 0 && bytes + itemBytes > FILE_BYTES_PER_CALL)) {
      calls.push({ items: current, multipart: false });
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) calls.push({ items: current, multipart: false });
  return calls;
}

/** The values with each file's bytes in place of its reference, as base64. */
export async function withFileContents(values: Record<string, unknown>, readBlob: (sha256: string) => Promise<Buffer>): Promise<Record<string, unknown>> {
  const files = filesOf(values);
  if (files.length === 0) return values;
  const contents = await Promise.all(files.map(async ([name, ref]) => [name, (await readBlob(ref.blob)).toString('base64')] as const));
  return { ...values, ...Object.fromEntries(contents) };
}

/** The values without their files: what is saved as a create's intent and matched on afterwards. */
export const withoutFiles = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).filter(([, value]) => !isBlobRef(value)));

/**
 * The files of an existing record whose bytes in the org differ from the snapshot's. Both are read
 * to compare: Salesforce keeps no digest of an attachment's body.
 */
export async function changedFiles(
  fields: string[],
  snapshotValues: Record<string, unknown>,
  current: Record<string, unknown>,
  read: { org: (url: string) => Promise<Buffer>; snapshot: (blob: string) => Promise<Buffer> },
): Promise<[string, BlobRef][]> {
  const changed: [string, BlobRef][] = [];
  for (const field of fields) {
    const ref = snapshotValues[field];
    if (!isBlobRef(ref)) continue;
    const url = current[field];
    if (typeof url === 'string') {
      const inOrg = await read.org(url);
      if (inOrg.length === ref.size && inOrg.equals(await read.snapshot(ref.blob))) continue;
    }
    changed.push([field, ref]);
  }
  return changed;
}
