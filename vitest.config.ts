import { defineConfig } from 'vitest/config';

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
    env: { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' },
  },
});
