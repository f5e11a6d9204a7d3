export type DatabaseState = 'ok' | 'closed' | 'error';

/** Whether the database answers, for the health route. Each database engine implements it its own way (db/sqlite, db/pg). */
export interface DatabaseHealth {
  ping(): Promise<DatabaseState>;
}
