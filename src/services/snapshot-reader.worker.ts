/**
 * Restores' snapshot reads, on a thread of their own: each batch's query and the opening of its
 * sealed records run here while the restore's thread talks to Salesforce. One thread per process,
 * started on first use, on a read-only connection (WAL lets it read beside the service's writes).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openReadOnly } from '../../db/client.ts';
import type { SnapshotRow } from '../../db/schema.ts';
import { createDataKeys } from './data-keys.ts';
import { createSnapshotVersions, type OpenedRecord } from './snapshot-versions.ts';

export interface ReaderThreadData {
  databaseFile: string;
  secretKey: Buffer;
}
export type ReaderRequest = { id: number; snapshot: SnapshotRow; object: string; recordIds: string[] } | { forget: string };
export type ReaderReply = { id: number; records: OpenedRecord[] } | { id: number; error: string };

const { databaseFile, secretKey } = workerData as ReaderThreadData;
const handle = openReadOnly(databaseFile);
const versions = createSnapshotVersions(handle, createDataKeys(handle.db, Buffer.from(secretKey)));
/** Prepared reads by snapshot, then object: kept while a restore of the snapshot runs. */
const readers = new Map<string, Map<string, (recordIds: string[]) => OpenedRecord[]>>();

parentPort!.on('message', (request: ReaderRequest) => {
  if ('forget' in request) {
    readers.delete(request.forget);
    return;
  }
  const { id, snapshot, object, recordIds } = request;
  let reply: ReaderReply;
  try {
    const ofSnapshot = readers.get(snapshot.id) ?? new Map<string, (recordIds: string[]) => OpenedRecord[]>();
    readers.set(snapshot.id, ofSnapshot);
    let read = ofSnapshot.get(object);
    if (!read) ofSnapshot.set(object, (read = versions.openedReader(snapshot, object)));
    reply = { id, records: read(recordIds) };
  } catch (error) {
    reply = { id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
