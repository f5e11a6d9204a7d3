/**
 * Restores' snapshot reads, on a thread of their own: each batch's query and the opening of its
 * sealed records run here while the restore's thread talks to Salesforce. One thread per process,
 * on a read-only connection (WAL lets it read beside the service's writes). It runs the statement
 * the SQLite store built (db/sqlite/snapshot-store.ts) and loads no ORM, so it starts in a few
 * milliseconds. PostgreSQL's reads go through its pool and need no thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openedText, unwrapCipher, type OrganisationCipher } from './organisation-cipher.ts';
import type { OpenedReaderStatement, OpenedRecord } from './snapshot-versions.ts';
import type { ThreadReply } from './threads.ts';

export interface ReaderThreadData {
  secretKey: Buffer;
}
export interface ReaderRequest {
  statement: OpenedReaderStatement;
  recordIds: string[];
}
type ReaderReply = ThreadReply<{ records: OpenedRecord[] }>;

// Statements and keys of the restores running now, and a few before them.
const KEPT = 32;

const { secretKey } = workerData as ReaderThreadData;
const connections = new Map<string, Database.Database>();
const statements = new Map<string, Database.Statement>();
const ciphers = new Map<string, OrganisationCipher>();

function kept<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= KEPT) cache.delete(cache.keys().next().value!);
    cache.set(key, (value = make()));
  }
  return value;
}

parentPort!.on('message', ({ id, statement, recordIds }: ReaderRequest & { id: number }) => {
  let reply: ReaderReply;
  try {
    const sqlite = kept(connections, statement.databaseFile, () => {
      const connection = new Database(statement.databaseFile, { readonly: true, fileMustExist: true });
      connection.pragma('busy_timeout = 5000');
      return connection;
    });
    const prepared = kept(statements, `${statement.databaseFile}\n${statement.sql}`, () => sqlite.prepare(statement.sql).raw());
    const cipher = kept(ciphers, statement.wrappedKey, () => unwrapCipher(Buffer.from(secretKey), statement.wrappedKey));
    const params = [...statement.params];
    params[statement.recordIdsAt] = JSON.stringify(recordIds);
    const rows = prepared.all(...params) as [recordId: string, deleted: number, data: Buffer | string][];
    reply = { id, records: rows.map(([recordId, deleted, data]) => ({ recordId, deleted: deleted === 1, json: openedText(cipher, data) })) };
  } catch (error) {
    reply = { id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
