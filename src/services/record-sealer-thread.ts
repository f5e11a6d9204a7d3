import type { Worker } from 'node:worker_threads';
import type { PageDecoder } from '../salesforce/bulk-query.ts';
import { buffersOf, type SealedBatch } from './record-sealing.ts';
import type { SealerReply, SealerRequest, SealerThreadData } from './record-sealer.worker.ts';
import { startThread } from './threads.ts';

// Result bytes go to the thread this many at a time (a few hundred records), and it may hold this
// many pieces: it decodes and seals the next ones while the backup stores the last.
const PIECE_BYTES = 256 * 1024;
const PIECES_AHEAD = 2;

/** Bytes of a piece, copied into a buffer of their own that the thread then owns. */
function pieceOf(chunks: Uint8Array[], size: number): Uint8Array {
  const piece = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    piece.set(chunk, at);
    at += chunk.length;
  }
  return piece;
}

/**
 * The process's record-sealing thread (see record-sealer.worker.ts), started for the first Bulk
 * API 2.0 read and again after a failure.
 */
export function createRecordSealerThread(data: SealerThreadData) {
  let worker: Worker | undefined;
  const waiting = new Map<number, { resolve: (batch: SealedBatch) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let nextStream = 0;

  function start(): Worker {
    const started = startThread('record-sealer', data);
    const stop = (error: Error) => {
      if (worker === started) worker = undefined;
      for (const { reject } of waiting.values()) reject(error);
      waiting.clear();
    };
    started.on('message', (reply: SealerReply) => {
      const request = waiting.get(reply.id);
      if (!request) return;
      waiting.delete(reply.id);
      if ('error' in reply) request.reject(new Error(`Reading the Bulk API 2.0 results failed: ${reply.error}`));
      else request.resolve(reply.batch);
    });
    started.on('error', stop);
    started.on('exit', (code) => stop(new Error(`The record sealer stopped (exit code ${code})`)));
    return started;
  }

  const post = (request: SealerRequest, transfer: ArrayBuffer[] = []) => (worker ??= start()).postMessage(request, transfer);

  function ask(request: { stream: number } & ({ bytes: Uint8Array } | { end: true })): Promise<SealedBatch> {
    const id = nextId++;
    const answer = new Promise<SealedBatch>((resolve, reject) => waiting.set(id, { resolve, reject }));
    // Awaited in turn: a failure meanwhile must not go unhandled.
    answer.catch(() => undefined);
    post({ id, ...request }, 'bytes' in request ? [request.bytes.buffer as ArrayBuffer] : []);
    return answer;
  }

  /**
   * Gives a stored batch's buffers back to the thread, where they are freed at its next collection.
   * This thread allocates little, so collects rarely: stored batches left here waited in memory,
   * tens of megabytes of them in a large backup.
   */
  function handBack(batch: SealedBatch) {
    const buffers = buffersOf(batch);
    if (worker && buffers.length > 0) worker.postMessage({ stored: buffers } satisfies SealerRequest, buffers);
  }

  return {
    /**
     * Decodes one object's result pages on the thread and seals them with the wrapped data key, for
     * `storeSealed`. A batch is the caller's until it asks for the next one.
     */
    decoder(object: string, fieldTypes: Map<string, string>, wrappedKey: string): PageDecoder<SealedBatch> {
      return async function* (bytes) {
        const stream = nextStream++;
        post({ stream, open: { object, fieldTypes: [...fieldTypes], wrappedKey } });
        const pending: Promise<SealedBatch>[] = [];
        async function* answered(until: number) {
          while (pending.length > until) {
            const batch = await pending.shift()!;
            if (batch.length > 0) yield batch;
            handBack(batch);
          }
        }
        try {
          let chunks: Uint8Array[] = [];
          let size = 0;
          for await (const chunk of bytes) {
            chunks.push(chunk);
            size += chunk.length;
            if (size < PIECE_BYTES) continue;
            pending.push(ask({ stream, bytes: pieceOf(chunks, size) }));
            chunks = [];
            size = 0;
            yield* answered(PIECES_AHEAD);
          }
          if (size > 0) pending.push(ask({ stream, bytes: pieceOf(chunks, size) }));
          pending.push(ask({ stream, end: true }));
          yield* answered(0);
        } finally {
          if (worker) post({ stream, close: true });
        }
      };
    },
    close: async () => {
      await worker?.terminate();
    },
  };
}

export type RecordSealerThread = ReturnType<typeof createRecordSealerThread>;
