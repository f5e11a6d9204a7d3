import type { SnapshotRow } from '../../db/schema.ts';
import type { ReaderRequest, ReaderThreadData } from './snapshot-reader.worker.ts';
import { parsedRecord, type OpenedReaderStatement, type OpenedRecord, type StoredRecord } from './snapshot-versions.ts';
import { answeringThread } from './threads.ts';

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
 * large restore and again after a failure; it does not keep the process alive. Without
 * `statementOf` (the engine's reads already leave this thread, as PostgreSQL's do) it starts none.
 */
export function createSnapshotReaderThread(
  data: ReaderThreadData,
  statementOf: ((snapshot: SnapshotRow, object: string) => Promise<OpenedReaderStatement>) | undefined,
) {
  const thread = answeringThread<{ records: OpenedRecord[] }>('snapshot-reader', data, 'Reading the snapshot');
  return {
    /** A reader on the thread, for a restore of about this many records; undefined when the restore should read on its own thread. */
    forSnapshot(snapshot: SnapshotRow, records: number): SnapshotReader | undefined {
      if (!statementOf || records < (thread.running ? SERVES_FROM_RECORDS : STARTS_FOR_RECORDS)) return undefined;
      const statements = new Map<string, Promise<OpenedReaderStatement>>();
      return {
        async read(object, recordIds) {
          let statement = statements.get(object);
          if (!statement) statements.set(object, (statement = statementOf(snapshot, object)));
          const request: ReaderRequest = { statement: await statement, recordIds };
          return (await thread.ask(request)).records.map(parsedRecord(object));
        },
      };
    },
    close: thread.close,
  };
}

export type SnapshotReaderThread = ReturnType<typeof createSnapshotReaderThread>;

/** The same reads through the store from the calling thread: for a restore too small to be worth a thread, or an engine that needs none. */
export function readerOnThisThread(recordReader: (object: string) => Promise<(recordIds: string[]) => Promise<StoredRecord[]>>): SnapshotReader {
  const readers = new Map<string, Promise<(recordIds: string[]) => Promise<StoredRecord[]>>>();
  return {
    async read(object, recordIds) {
      let read = readers.get(object);
      if (!read) readers.set(object, (read = recordReader(object)));
      return (await read)(recordIds);
    },
  };
}
