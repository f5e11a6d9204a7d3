import type Database from 'better-sqlite3';
import type { DatabaseHealth } from '../database-health.ts';

/** SQLite answers when its file is open and readable; the check runs on the connection itself, outside any statement count. */
export function sqliteDatabaseHealth(sqlite: Database.Database): DatabaseHealth {
  return {
    ping: () => {
      if (!sqlite.open) return Promise.resolve('closed');
      try {
        sqlite.prepare('select 1').get();
        return Promise.resolve('ok');
      } catch {
        return Promise.resolve('error');
      }
    },
  };
}
