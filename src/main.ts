import { join } from 'node:path';
import { createLogger } from 'graphql-yoga';
import { createApp, StartupError } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startServer } from './server/index.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const logger = createLogger(config.logLevel);

// Without a connected app of its own, the service talks to an embedded Salesforce emulator (loaded
// only then: a service with a real connected app does not carry its code and data).
const emulator = config.salesforce.clientId
  ? undefined
  : await import('./emulator/index.ts').then(({ startEmulator }) =>
      // Its orgs, tokens and ports live in the data folder: instances connected before a restart still work.
      startEmulator({ port: 0, records: config.emulatorRecords, stateFile: join(config.dataDir, 'emulator-state.json') }),
    );
if (emulator) {
  config = {
    ...config,
    salesforce: {
      ...config.salesforce,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      loginUrls: { PRODUCTION: emulator.orgs.PRODUCTION.loginUrl, SANDBOX: emulator.orgs.SANDBOX.loginUrl },
    },
  };
}

const app = await createApp(config, logger).catch((error: unknown) => {
  if (error instanceof StartupError) fail(error.message);
  throw error;
});
const server = await startServer(app, logger).catch((error: NodeJS.ErrnoException) =>
  fail(error.code === 'EADDRINUSE' ? `Invalid PORT: ${config.port} is already in use` : String(error)),
);
// Said once listening: a service that cannot start prints only why.
if (emulator) {
  logger.info(
    `No SALESFORCE_CLIENT_ID set: using the embedded Salesforce emulator at ${emulator.url} ` +
      `(users ${emulator.orgs.PRODUCTION.username} and ${emulator.orgs.SANDBOX.username}, password ${emulator.orgs.PRODUCTION.password})`,
  );
}
logger.info(`Dashboard on ${app.publicUrl}/`);
logger.info(`GraphQL API on ${app.publicUrl}/graphql (GraphiQL in a browser)`);
if (app.generatedOperatorKey) {
  // Printed once: only its hash is stored.
  logger.info(`Operator API key (shown once, keep it): ${app.generatedOperatorKey}`);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: closing connections and the database`);
  await server.close();
  await app.close();
  await emulator?.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
