/**
 * Large backups' record decoding and sealing, on a thread of their own: Bulk API 2.0 result bytes
 * come in, records leave sealed with their organisation's key, ready to store, while the backup's
 * thread stores the ones before. One thread per process; it holds no database connection (the
 * service keeps its one writer) and loads no ORM.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvRecordDecoder } from '../salesforce/bulk-query.ts';
import { unwrapCipher, type OrganisationCipher } from './organisation-cipher.ts';
import { buffersOf, sealBatch, type SealedBatch } from './record-sealing.ts';
import type { ThreadReply } from './threads.ts';

export interface SealerThreadData {
  secretKey: Buffer;
}
export interface SealerStream {
  object: string;
  fieldTypes: [name: string, type: string][];
  wrappedKey: string;
  /** Records at the page's start left out: see `CsvRecordDecoder`. */
  skip: number;
}
/** Requests that get an answer (a sealed batch) carry an id besides. */
export type SealerRequest =
  | { stream: number; open: SealerStream }
  | { stream: number; bytes: Uint8Array }
  | { stream: number; end: true }
  | { stream: number; close: true }
  | { stored: ArrayBuffer[] };
type SealerReply = ThreadReply<{ batch: SealedBatch }>;

const { secretKey } = workerData as SealerThreadData;
const streams = new Map<number, { object: string; decoder: CsvRecordDecoder; cipher: OrganisationCipher }>();

parentPort!.on('message', (request: SealerRequest & { id: number }) => {
  if ('open' in request) {
    const { object, fieldTypes, wrappedKey, skip } = request.open;
    streams.set(request.stream, { object, decoder: new CsvRecordDecoder(new Map(fieldTypes), skip), cipher: unwrapCipher(Buffer.from(secretKey), wrappedKey) });
    return;
  }
  if ('close' in request) {
    streams.delete(request.stream);
    return;
  }
  // A stored batch's buffers, handed back to be freed here: see record-sealer-thread.ts.
  if ('stored' in request) return;
  let reply: SealerReply;
  try {
    const stream = streams.get(request.stream);
    if (!stream) throw new Error('The sealing stream is not open');
    const records = 'bytes' in request ? stream.decoder.push(request.bytes) : stream.decoder.end();
    reply = { id: request.id, batch: sealBatch(stream.cipher, stream.object, records) };
  } catch (error) {
    reply = { id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply, 'batch' in reply ? buffersOf(reply.batch) : []);
});
