import type { Db } from './client.ts';

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * A transaction that takes SQLite's write lock at BEGIN (IMMEDIATE). Every transaction here
 * writes, and several processes may share the file: a deferred one that read first fails at once
 * with SQLITE_BUSY when another process wrote in between, where this one waits its turn
 * (`busy_timeout`) and then reads what that process wrote.
 */
export function writeTransaction<T>(db: Db, work: (tx: Transaction) => T): T {
  return db.transaction(work, { behavior: 'immediate' });
}
