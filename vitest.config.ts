import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that run each engine themselves (test/helpers/engines.ts), or PostgreSQL's own: the PostgreSQL run leaves them out. */
const ON_BOTH_ENGINES_ALREADY = ['test/scale/postgres-*.test.ts', 'test/**/*-store.test.ts'].concat(
  [
    'audit/audit-store', 'foundation/database-health', 'foundation/organisation-and-instance-reads', 'foundation/snapshot-listing', 'jobs/job-claims',
    'jobs/job-reads', 'keys/api-key-service', 'reauth/oauth-states', 'reauth/token-reads', 'reauth/token-reservation', 'security/data-keys', 'snapshots/snapshot-changes', 'unattended/run-claims', 'unattended/snapshot-pruning',
  ].map((name) => `test/${name}.test.ts`),
);

/**
 * Tests the PostgreSQL run leaves out: those about SQLite itself, its file, its migrations and
 * service processes sharing it (test/scale/postgres-*.test.ts run such processes on PostgreSQL).
 */
const SQLITE_ONLY = [
  'foundation/migrations', 'foundation/unique-names', 'security/raw-database', 'scale/processes', 'jobs/worker-leases', 'jobs/graceful-shutdown',
  'restore/snapshot-reader-thread',
].map((name) => `test/${name}.test.ts`);
const NO_PROXY = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' };

/**
 * vitest adds `--exclude` to the excludes of projects without their own only: the PostgreSQL
 * project takes them too, or `npm test` would run the hostile-request file, which it runs alone
 * afterwards, beside the others there.
 */
const CLI_EXCLUDES = process.argv.flatMap((arg, i, args) => (arg === '--exclude' ? [args[i + 1]] : arg.startsWith('--exclude=') ? [arg.slice('--exclude='.length)] : []));

export default defineConfig({
  // Node loads graphql 16 through its CommonJS entry; vite would pick the ESM one for our files,
  // and two copies break instanceof checks on GraphQLError and on schema types.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: NO_PROXY,
    projects: [
      { extends: true, test: { name: 'sqlite' } },
      // The suite again with every test server on PostgreSQL and Redis, when the machine has them.
      ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
        ? [{ extends: true as const, test: { name: 'postgres', exclude: [...configDefaults.exclude, ...ON_BOTH_ENGINES_ALREADY, ...SQLITE_ONLY, ...CLI_EXCLUDES], env: { ...NO_PROXY, TEST_SUITE_ENGINE: 'postgres' } } }]
        : []),
    ],
  },
});
