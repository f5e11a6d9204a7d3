import type { YogaLogger } from 'graphql-yoga';
import { openStore, type OpenedDatabase } from '../db/open.ts';
import type { Config } from './config.ts';
import { createAuditRetention } from './jobs/audit-retention.ts';
import { createEventBus, type EventBus } from './events.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { Store } from '../db/store.ts';
import type { GrantChecks } from './jobs/grant-checks.ts';
import { systemClock, type Clock, type Scheduler } from './jobs/scheduler.ts';
import { OAUTH_CALLBACK_PATH } from './server/oauth-callback.ts';
import { parseSecretKey } from './crypto.ts';
import { rotateSecretKey } from './secret-rotation.ts';
import { loadSecretKey } from './secret-key.ts';
import { connectRedisRelay } from './redis-relay.ts';
import { installationId } from './services/installation.ts';
import { createServices, type Services } from './services/index.ts';
import type { BlobStores } from './storage/blob-store.ts';
import type { DataKeys } from './services/data-keys.ts';
import type { JobWorker } from './jobs/worker.ts';

export interface App {
  config: Config;
  /** The database, on either engine (internal: tests count its statements, and read the SQLite file). */
  database: OpenedDatabase;
  /** The data access each engine implements (db/store.ts). */
  store: Store;
  events: EventBus;
  services: Services;
  /** Where browsers reach the service: PUBLIC_URL, or the address the server listens on. */
  readonly publicUrl: string | undefined;
  /** Called by the server once it listens; PUBLIC_URL, when set, wins. */
  listeningAt(url: string): void;
  /** Stored file bodies, by SHA-256 (internal: tests read them to compare bytes). */
  blobs: BlobStores;
  /** Each organisation's data key (internal: tests open sealed rows with it). */
  dataKeys: DataKeys;
  /** Runs queued jobs (the benchmark stops it to time job starts alone). */
  worker: JobWorker;
  /** Starts scheduled backups (internal: tests tick it with their own clock). */
  scheduler: Scheduler;
  /** Checks every connected instance's grant (internal: tests run it at once). */
  grantChecks: GrantChecks;
  /** What `/metrics` reports. */
  metrics: Metrics;
  /** Set on the first start without ADMIN_API_KEY: the generated operator key, to show once. */
  generatedOperatorKey: string | undefined;
  close(): Promise<void>;
}

/** What keeps the service from starting, said in one line: a database or a Redis it cannot reach. */
export class StartupError extends Error {}

/** Everything but the network: database, events and services, wired once. */
export async function createApp(config: Config, logger: YogaLogger, options: { clock?: Clock } = {}): Promise<App> {
  const database = await openStore(config.database).catch((error: Error) => {
    throw new StartupError(`DATABASE_URL: the database cannot be opened (${error.message})`);
  });
  if (database.engine === 'sqlite' && database.handle.convertedToIncrementalVacuumMs !== undefined) {
    logger.info(`Database rewritten once (${database.handle.convertedToIncrementalVacuumMs} ms) so that space freed by retention goes back to the disk`);
  }
  const secretKey = loadSecretKey(config.secretKey, config.dataDir);
  const events = createEventBus();
  const { store } = database;
  const metrics = createMetrics(store.jobs, events.subscriberCount);
  let publicUrl = config.publicUrl;
  // Logins start only once the server listens; before that (revoking grants at start-up) the
  // redirect is not used, and the configured address stands in.
  const redirectUri = () => `${publicUrl ?? `http://${config.host}:${config.port}`}${OAUTH_CALLBACK_PATH}`;
  const { services, worker, blobs, dataKeys, scheduler, grantChecks, retentionPass } = createServices({
    store,
    events,
    config,
    secretKey,
    logger,
    redirectUri,
    clock: options.clock ?? systemClock,
    metrics,
  });
  // Before anything opens a sealed value: services only read them once they run.
  if (config.previousSecretKey) {
    const resealed = await rotateSecretKey(store.sealedSecrets, parseSecretKey(config.previousSecretKey), secretKey);
    logger.info(`SECRET_KEY_PREVIOUS: ${resealed} secrets re-sealed with SECRET_KEY; remove SECRET_KEY_PREVIOUS now`);
  }
  const generatedOperatorKey = await services.apiKeys.ensureOperatorKey(config.adminApiKey);
  // Keys and organisations are cached per process: what another process revoked or deleted is
  // forgotten here too (this process's own revocations and deletions did so already).
  events.observe((event, fromElsewhere) => {
    if (!fromElsewhere) return;
    if (event.topic === 'apiKeyChanged' && event.payload.apiKey.revokedAt) services.apiKeys.revokedElsewhere(event.payload.apiKey);
    if (event.topic === 'organisationChanged' && event.payload.change === 'DELETED') services.apiKeys.forgetOrganisation(event.payload.organisationId, []);
  });
  if (config.redisUrl) {
    const relay = await connectRedisRelay(config.redisUrl, await installationId(store.settings), logger).catch((error: Error) => {
      throw new StartupError(`REDIS_URL: Redis cannot be reached (${error.message})`);
    });
    events.relayThrough(relay);
  }
  const auditRetention = createAuditRetention(services.audit, config.auditRetentionDays, logger);
  // An api process runs nothing on its own: jobs, schedules and checks belong to the workers.
  if (config.serviceRole !== 'api') {
    // A job queued by another process (an API replica, or handed back) is claimed at once, not at the next heartbeat.
    events.observe((event, fromElsewhere) => {
      if (fromElsewhere && event.topic === 'jobUpdated' && event.payload.status === 'QUEUED') worker.wake();
    });
    worker.start().catch((error: unknown) => logger.error(`The job worker could not start: ${(error as Error).stack ?? String(error)}`));
    scheduler.start();
    grantChecks.start();
    retentionPass.start();
    auditRetention.start();
  }
  return {
    config,
    database,
    store,
    events,
    services,
    blobs,
    dataKeys,
    worker,
    scheduler,
    grantChecks,
    get publicUrl() {
      return publicUrl;
    },
    listeningAt(url) {
      publicUrl ??= url;
    },
    metrics,
    generatedOperatorKey,
    close: async () => {
      await Promise.all([scheduler.stop(), grantChecks.stop(), retentionPass.stop()]);
      await worker.stop();
      await auditRetention.stop();
      await events.close();
      await database.close();
    },
  };
}
