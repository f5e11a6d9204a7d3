/**
 * SQLite answers at once; a promise gives both engines one interface. A throw becomes a rejection,
 * as it would be from PostgreSQL.
 */
export const promised =
  <A extends unknown[], R>(work: (...args: A) => R) =>
  (...args: A): Promise<R> =>
    new Promise((resolve) => resolve(work(...args)));
