import type { PageDecoder } from '../salesforce/bulk-query.ts';
import { buffersOf, type SealedBatch } from './record-sealing.ts';
import type { SealerRequest, SealerThreadData } from './record-sealer.worker.ts';
import { answeringThread } from './threads.ts';

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
  const thread = answeringThread<{ batch: SealedBatch }>('record-sealer', data, 'Reading the Bulk API 2.0 results');
  let nextStream = 0;

  function ask(request: SealerRequest, transfer: ArrayBuffer[] = []): Promise<SealedBatch> {
    const batch = thread.ask(request, transfer).then((answer) => answer.batch);
    // Awaited in turn: a failure meanwhile must not go unhandled.
    batch.catch(() => undefined);
    return batch;
  }

  /**
   * Gives a stored batch's buffers back to the thread, where they are freed at its next collection.
   * This thread allocates little, so collects rarely: stored batches left here waited in memory,
   * tens of megabytes of them in a large backup.
   */
  function handBack(batch: SealedBatch) {
    const buffers = buffersOf(batch);
    if (thread.running && buffers.length > 0) thread.post({ stored: buffers } satisfies SealerRequest, buffers);
  }

  return {
    /**
     * Decodes one object's result pages on the thread and seals them with the wrapped data key, for
     * `storeSealed`. A batch is the caller's until it asks for the next one.
     */
    decoder(object: string, fieldTypes: Map<string, string>, wrappedKey: string): PageDecoder<SealedBatch> {
      return async function* (bytes, skip) {
        const stream = nextStream++;
        thread.post({ stream, open: { object, fieldTypes: [...fieldTypes], wrappedKey, skip } } satisfies SealerRequest);
        const pending: Promise<SealedBatch>[] = [];
        const send = (chunks: Uint8Array[], size: number) => {
          const piece = pieceOf(chunks, size);
          pending.push(ask({ stream, bytes: piece }, [piece.buffer as ArrayBuffer]));
        };
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
            send(chunks, size);
            chunks = [];
            size = 0;
            yield* answered(PIECES_AHEAD);
          }
          if (size > 0) send(chunks, size);
          pending.push(ask({ stream, end: true }));
          yield* answered(0);
        } finally {
          if (thread.running) thread.post({ stream, close: true } satisfies SealerRequest);
        }
      };
    },
    close: thread.close,
  };
}

export type RecordSealerThread = ReturnType<typeof createRecordSealerThread>;
