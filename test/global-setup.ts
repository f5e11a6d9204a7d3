import { buildDashboard, buildService } from './helpers/service-process.ts';

/**
 * Once before any test file starts (vitest runs it for each project in turn, first): the builds
 * the tests serve and spawn. A build while tests run would empty dist/dashboard under a page
 * another file is loading.
 */
export default function setup(): void {
  if (process.env.SFBACKUP_TEST_BUILDS_DONE) return;
  if (!process.env.TEST_DATABASE_URL) console.log('PostgreSQL: TEST_DATABASE_URL is not set, so the tests on PostgreSQL are skipped (SQLite runs them all).');
  buildService();
  buildDashboard();
  process.env.SFBACKUP_TEST_BUILDS_DONE = '1';
}
