import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import type { DatabaseHandle } from '../../db/client.ts';
import { createApp, type App } from '../../src/app.ts';
import type { Clock } from '../../src/jobs/scheduler.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { GraphQLClient } from './graphql-client.ts';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';

export interface TestServer {
  app: App;
  server: RunningServer;
  url: string;
  dataDir: string;
  /** A client authenticated with the operator key. */
  operator: GraphQLClient;
  client(key?: string): GraphQLClient;
  /** Stops the server; the data directory stays for a restart until `dispose`. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** What a request answers, and the SQL statements the server ran to answer it. */
export async function statementsFor(server: TestServer, client: GraphQLClient, query: string) {
  const before = server.app.database.statementCount();
  const data = await client.query(query);
  return { data, statements: server.app.database.statementCount() - before };
}

/** The real server on an ephemeral loopback port, with its own SQLite file. */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir?: string,
  options: { clock?: Clock; logger?: YogaLogger } = {},
): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'sfbackup-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, 'backup.db'),
    ADMIN_API_KEY: OPERATOR_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = options.logger ?? createLogger('silent');
  const app = await createApp(config, logger, options);
  const server = await startServer(app, logger);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await app.close();
  };
  return {
    app,
    server,
    url: server.url,
    dataDir: dir,
    operator: new GraphQLClient(server.url, OPERATOR_KEY),
    client: (key) => new GraphQLClient(server.url, key),
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SQLite file's handle under a test server: for tests that read the file beside the service, which run on SQLite only. */
export function sqliteHandleOf(app: App): DatabaseHandle {
  if (app.database.engine !== 'sqlite') throw new Error('This test reads the SQLite file beside the service: it runs on SQLite only');
  return app.database.handle;
}
