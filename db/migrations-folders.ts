import { fileURLToPath } from 'node:url';

// Resolved from this file as from the built service (dist/main.js): both sit one level below the
// project root.
export const SQLITE_MIGRATIONS = fileURLToPath(new URL('../db/migrations/', import.meta.url));
export const POSTGRES_MIGRATIONS = fileURLToPath(new URL('../db/pg/migrations/', import.meta.url));
