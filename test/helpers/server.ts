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
import { createTestDatabase, postgresEnvironment, type TestDatabaseUrl } from './postgres.ts';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';

/** The suite's second run (vitest.config.ts): every test server on PostgreSQL, its events through Redis. */
export const SUITE_ON_POSTGRES = process.env.TEST_SUITE_ENGINE === 'postgres';

const postgresDatabases = new Map<string, Promise<TestDatabaseUrl & { env: Record<string, string> }>>();

/** The PostgreSQL database of a test server's data folder, made on its first start. */
function postgresDatabaseFor(dataDir: string) {
  let database = postgresDatabases.get(dataDir);
  if (!database) {
    database = createTestDatabase(process.env.TEST_DATABASE_URL!).then((created) => ({
      ...created,
      env: { ...postgresEnvironment(created.url, dataDir), REDIS_URL: process.env.TEST_REDIS_URL! },
      drop: async () => {
        postgresDatabases.delete(dataDir);
        await created.drop();
      },
    }));
    postgresDatabases.set(dataDir, database);
  }
  return database;
}

/** Settings a process of the test's own needs to work on a test server's data: its database, and on PostgreSQL its key and events. */
const SHARED_SETTINGS = ['DATABASE_URL', 'DATA_DIR', 'SECRET_KEY', 'SECRET_KEY_PREVIOUS', 'REDIS_URL'];

export interface TestServer {
  app: App;
  /** DATABASE_URL and the other SHARED_SETTINGS the server runs with, for processes beside it. */
  databaseEnv: Record<string, string>;
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
export async function statementsFor(server: TestServer, client: GraphQLClient, query: string, variables?: Record<string, unknown>) {
  const before = server.app.database.statementCount();
  const data = await client.query(query, variables);
  return { data, statements: server.app.database.statementCount() - before };
}

/**
 * The real server on an ephemeral loopback port, with a data folder of its own: its SQLite file
 * there, or, when the suite runs on PostgreSQL, a database of its own (the same one again when a
 * test starts a server on the folder a stopped one left).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir?: string,
  options: { clock?: Clock; logger?: YogaLogger } = {},
): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'sfbackup-test-'));
  const database = SUITE_ON_POSTGRES ? await postgresDatabaseFor(dir) : undefined;
  const settings: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, 'backup.db'),
    ADMIN_API_KEY: OPERATOR_KEY,
    LOG_LEVEL: 'silent',
    ...database?.env,
    ...env,
  };
  const config = loadConfig(settings);
  const logger = options.logger ?? createLogger((process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent');
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
    databaseEnv: Object.fromEntries(Object.entries(settings).filter(([name]) => SHARED_SETTINGS.includes(name))),
    server,
    url: server.url,
    dataDir: dir,
    operator: new GraphQLClient(server.url, OPERATOR_KEY),
    client: (key) => new GraphQLClient(server.url, key),
    stop,
    dispose: async () => {
      await stop();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SQLite file's handle under a test server: for tests that read the file beside the service, which run on SQLite only. */
export function sqliteHandleOf(app: App): DatabaseHandle {
  if (app.database.engine !== 'sqlite') throw new Error('This test reads the SQLite file beside the service: it runs on SQLite only');
  return app.database.handle;
}
