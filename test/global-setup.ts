import { buildService } from './helpers/service-process.ts';

/** Once before all test files: the tests that start the service as its own process run the build. */
export default function setup(): void {
  if (!process.env.TEST_DATABASE_URL) console.log('PostgreSQL: TEST_DATABASE_URL is not set, so the tests on PostgreSQL are skipped (SQLite runs them all).');
  buildService();
}
