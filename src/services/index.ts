import { dirname, join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import { createLocalBlobStore } from '../storage/blob-store.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import type { Metrics } from '../metrics.ts';
import { createGrantChecks } from '../jobs/grant-checks.ts';
import { createRetentionPass } from '../jobs/retention-pass.ts';
import { createScheduler, SCHEDULER_INTERVAL_MS, type Clock } from '../jobs/scheduler.ts';
import { createJobWorker } from '../jobs/worker.ts';
import { sqliteStore } from '../../db/sqlite/store.ts';
import type { ConnectedApp } from '../salesforce/oauth.ts';
import { createAnnouncements } from './announcements.ts';
import { createApiKeyService } from './api-keys.ts';
import { createAuditLog } from './audit.ts';
import { createBackupPolicyService } from './backup-policies.ts';
import { createBlobSweep } from './blob-sweep.ts';
import { createGrantHealth } from './grant-health.ts';
import { createCompareService } from './compare.ts';
import { createDataAlertService } from './data-alerts.ts';
import { createExportLinks } from './export-links.ts';
import { createExportService } from './exports.ts';
import { createGrantReleaser } from './grant-releaser.ts';
import { createInstanceService, instanceById } from './instances.ts';
import { createJobStarter } from './job-starter.ts';
import { createJobService } from './jobs.ts';
import { createOrganisationService } from './organisations.ts';
import { createReauthenticationService } from './reauthentication.ts';
import { createRemovals } from './removals.ts';
import { createRestoredRecordService } from './restored-records.ts';
import { createRetentionService } from './retention.ts';
import { createScheduledBackups } from './scheduled-backups.ts';
import { createScheduleService } from './schedules.ts';
import { createSnapshotPruner } from './snapshot-pruning.ts';
import { createSnapshotQueries } from './snapshot-queries.ts';
import { createDataKeys } from './data-keys.ts';
import { createSnapshotService } from './snapshots.ts';
import { createStoredDataRemoval } from './stored-data.ts';
import { createSubscriptionService } from './subscriptions.ts';
import { createTokenService } from './tokens.ts';
import type { Viewer, ViewerRead } from './viewer.ts';

export interface ServiceDependencies {
  database: DatabaseHandle;
  events: EventBus;
  config: Config;
  /** Encrypts Salesforce secrets at rest. */
  secretKey: Buffer;
  logger: YogaLogger;
  /** Where Salesforce sends the browser back; known once the server listens. */
  redirectUri: () => string;
  /** What the scheduler and retention take to be now (tests move it by hand). */
  clock: Clock;
  metrics: Metrics;
}

/**
 * The services the API calls, each method checking the viewer it is given, and the worker, which
 * reaches storage, tokens and grants directly through its own interface (`WorkerAccess`).
 */
export function createServices({ database, events, config, secretKey, logger, redirectUri, clock, metrics }: ServiceDependencies) {
  const { db } = database;
  const store = sqliteStore(database);
  const connectedApp = (): ConnectedApp => {
    if (!config.salesforce.clientId) throw new Error('SALESFORCE_CLIENT_ID is not configured');
    return {
      clientId: config.salesforce.clientId,
      clientSecret: config.salesforce.clientSecret,
      redirectUri: redirectUri(),
      apiVersion: config.salesforce.apiVersion,
    };
  };
  const announce = createAnnouncements(events);
  const apiKeys = createApiKeyService(db, announce);
  const audit = createAuditLog(db);
  const instances = createInstanceService(db, store.instances, announce, config);
  const tokens = createTokenService(db, store.ledger, secretKey);
  const dataKeys = createDataKeys(store.dataKeys, secretKey);
  const snapshotStorage = createSnapshotService(store.snapshots, dataKeys);
  const blobs = createLocalBlobStore(join(dirname(config.databaseFile), 'blobs'), dataKeys);
  const snapshots = createSnapshotQueries(db, snapshotStorage);
  const grantReleaser = createGrantReleaser(db, tokens, connectedApp, logger);
  const restoredRecords = createRestoredRecordService(store.restoreIntents);
  const compare = createCompareService({ changes: store.snapshotChanges, storage: snapshotStorage, snapshots });
  const worker = createJobWorker({
    db, claims: store.claims, reports: store.reports, restoreIntents: store.restoreIntents, instances: store.instances, config, secretKey, connectedApp, tokens, snapshots: snapshotStorage, blobs, restoredRecords, grantReleaser, announce, logger, metrics,
    afterBackup: (snapshot) => dataAlerts.afterBackup(snapshot),
  });
  const starter = createJobStarter({ claims: store.claims, secretKey, connectedApp, instances, tokens, announce, onQueued: () => worker.wake(), tokenWarningAt: config.tokenWarningAt });
  const jobs = createJobService({ db, instances, snapshots, snapshotStorage, starter, runner: worker });
  const dataAlerts = createDataAlertService({ db, storage: snapshotStorage, compare, announce, audit, startRestore: jobs.startRestore });
  const exportLinks = createExportLinks(secretKey, apiKeys);
  const now = () => clock.now();
  const retry = { attempts: config.salesforceRetries, baseDelayMs: config.salesforceRetryDelayMs };
  const grantHealth = createGrantHealth({ db, tokens, announce, connectedApp, retry, now });
  const policies = createBackupPolicyService(db, now);
  const pruner = createSnapshotPruner(database);
  const blobSweep = createBlobSweep(database, blobs, dataKeys);
  const retention = createRetentionService({
    database,
    databaseFile: config.databaseFile,
    pruner,
    blobSweep,
    now,
  });
  const retentionPass = createRetentionPass(
    retention,
    ({ pruned }) => {
      const instance = instanceById(db, pruned[0].instanceId);
      if (instance) announce.snapshotsPruned(instance, pruned.map((snapshot) => snapshot.id));
    },
    config.retentionCheckMinutes * 60_000,
    logger,
  );
  const scheduledBackups = createScheduledBackups({ db, instanceStore: store.instances, grantHealth, starter, announce, connectedApp, apiBudgetShare: config.apiBudgetShare });
  const scheduler = createScheduler({
    runClaims: store.runClaims,
    clock,
    policies,
    audit,
    start: (instanceId, objects) => scheduledBackups.start(instanceId, objects),
    scheduleChanged: (instanceId) => {
      const instance = instanceById(db, instanceId);
      if (instance) announce.instanceChanged(instance);
    },
    afterRuns: () => void retentionPass.run(),
    logger,
    intervalMs: SCHEDULER_INTERVAL_MS,
  });
  const grantChecks = createGrantChecks(grantHealth, config.grantCheckMinutes * 60_000, logger);
  const organisations = createOrganisationService(db, store.organisations, announce);
  const storedData = createStoredDataRemoval(database, pruner, blobSweep);
  const services = {
    apiKeys,
    audit,
    organisations,
    removals: createRemovals({ db, organisationStore: store.organisations, organisations, instances, tokens, apiKeys, storedData, connectedApp, announce, logger }),
    instances,
    tokens: {
      byIds: (viewer: Viewer, ids: readonly string[]) => tokens.byIds(viewer, ids),
      currentByInstanceIds: (viewer: Viewer, instanceIds: readonly string[]) => tokens.currentByInstanceIds(viewer, instanceIds),
      currentCountsForEachViewer: (reads: readonly ViewerRead[]) => tokens.currentCountsForEachViewer(reads),
    },
    snapshots,
    reauthentication: createReauthenticationService({ db, announce, secretKey, connectedApp, instances, tokens, grantReleaser, grantHealth }),
    schedules: createScheduleService({ db, instances, policies, retention, announce, tokenWarningAt: config.tokenWarningAt }),
    jobs,
    compare,
    dataAlerts,
    exports: createExportService({ storage: snapshotStorage, snapshots, blobs, links: exportLinks }),
    subscriptions: createSubscriptionService(events),
  };
  return { services, worker, blobs, dataKeys, scheduler, grantChecks, retentionPass };
}

export type Services = ReturnType<typeof createServices>['services'];
