import type { DatabaseLocation } from '../src/config.ts';
import { openDatabase, type DatabaseHandle } from './client.ts';
import { openPostgres, type PostgresHandle } from './pg/client.ts';
import { postgresStore } from './pg/store.ts';
import { promised } from './sqlite/promised.ts';
import { sqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** The engine a database is on, with its connection. */
export type EngineHandle = { engine: 'sqlite'; handle: DatabaseHandle } | { engine: 'postgres'; handle: PostgresHandle };

/** The service's database on either engine: the store the services use, and what the app needs besides. */
export type OpenedDatabase = {
  store: Store;
  /** Statements run through the store since opening, the job queue's heartbeat left out: lets tests and the benchmark see N+1s. */
  statementCount(): number;
  close(): Promise<void>;
} & EngineHandle;

/** Opens the database the location names, migrating it to the current schema. */
export async function openStore(location: DatabaseLocation): Promise<OpenedDatabase> {
  if (location.engine === 'postgres') {
    const handle = await openPostgres(location.url);
    return { engine: 'postgres', handle, store: postgresStore(handle.db, handle.uncounted), statementCount: handle.statementCount, close: handle.close };
  }
  const handle = openDatabase(location.file);
  return {
    engine: 'sqlite',
    handle,
    store: sqliteStore(handle),
    statementCount: handle.statementCount,
    close: promised(handle.close),
  };
}
