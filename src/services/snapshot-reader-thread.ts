import type { Worker } from 'node:worker_threads';
import type { SnapshotRow } from '../../db/schema.ts';
import type { ReaderReply, ReaderRequest, ReaderThreadData } from './snapshot-reader.worker.ts';
import { parsedRecord, type OpenedReaderStatement, type StoredRecord } from './snapshot-versions.ts';
import { startThread } from './threads.ts';

/** Reads given records of one object of a snapshot, deleted ones included. */
export interface SnapshotReader {
  read(object: string, recordIds: string[]): Promise<StoredRecord[]>;
}

// A thread takes about 30 ms to start (a V8 isolate, SQLite); reading a few batches of records on it
// saves less than that, so only a large restore starts it. Once up, it serves all.
const STARTS_FOR_RECORDS = 5000;
const SERVES_FROM_RECORDS = 400;

/**
 * The process's snapshot-reading thread (see snapshot-reader.worker.ts), started for the first
 * large restore and again after a failure; it does not keep the process alive.
 */
export function createSnapshotReaderThread(data: ReaderThreadData, statementOf: (snapshot: SnapshotRow, object: string) => OpenedReaderStatement) {
  let worker: Worker | undefined;
  const waiting = new Map<number, { object: string; resolve: (records: StoredRecord[]) => void; reject: (error: Error) => void }>();
  let nextId = 0;

  function start(): Worker {
    const started = startThread('snapshot-reader', data);
    const stop = (error: Error) => {
      if (worker === started) worker = undefined;
      for (const { reject } of waiting.values()) reject(error);
      waiting.clear();
    };
    started.on('message', (reply: ReaderReply) => {
      const request = waiting.get(reply.id);
      if (!request) return;
      waiting.delete(reply.id);
      if ('error' in reply) request.reject(new Error(`Reading the snapshot failed: ${reply.error}`));
      else request.resolve(reply.records.map(parsedRecord(request.object)));
    });
    started.on('error', stop);
    started.on('exit', (code) => stop(new Error(`The snapshot reader stopped (exit code ${code})`)));
    return started;
  }

  const send = (request: ReaderRequest) => (worker ??= start()).postMessage(request);

  return {
    /** A reader on the thread, for a restore of about this many records; undefined when the restore should read on its own thread. */
    forSnapshot(snapshot: SnapshotRow, records: number): SnapshotReader | undefined {
      if (records < (worker ? SERVES_FROM_RECORDS : STARTS_FOR_RECORDS)) return undefined;
      worker ??= start();
      const statements = new Map<string, OpenedReaderStatement>();
      return {
        read: (object, recordIds) =>
          new Promise((resolve, reject) => {
            let statement = statements.get(object);
            if (!statement) statements.set(object, (statement = statementOf(snapshot, object)));
            const id = nextId++;
            waiting.set(id, { object, resolve, reject });
            send({ id, statement, recordIds });
          }),
      };
    },
    close: async () => {
      await worker?.terminate();
    },
  };
}

export type SnapshotReaderThread = ReturnType<typeof createSnapshotReaderThread>;

/** The same reads on the calling thread: for a restore too small to be worth a thread. */
export function readerOnThisThread(recordReader: (object: string) => (recordIds: string[]) => StoredRecord[]): SnapshotReader {
  const readers = new Map<string, (recordIds: string[]) => StoredRecord[]>();
  return {
    read(object, recordIds) {
      let read = readers.get(object);
      if (!read) readers.set(object, (read = recordReader(object)));
      return Promise.resolve(read(recordIds));
    },
  };
}
