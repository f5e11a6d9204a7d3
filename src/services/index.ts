import { join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import { createLocalBlobStore } from '../storage/blob-store.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import type { Metrics } from '../metrics.ts';
import { createGrantChecks } from '../jobs/grant-checks.ts';
import { createRetentionPass } from '../jobs/retention-pass.ts';
import { createScheduler, SCHEDULER_INTERVAL_MS, type Clock } from '../jobs/scheduler.ts';
import { createJobWorker } from '../jobs/worker.ts';
import type { Store } from '../../db/store.ts';
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
import { createInstanceService } from './instances.ts';
import { createJobStarter } from './job-starter.ts';
import { createJobService } from './jobs.ts';
import { createOrganisationService } from './organisations.ts';
import { createReauthenticationService } from './reauthentication.ts';
import { createRemovals } from './removals.ts';
import { createRestoredRecordService } from './restored-records.ts';
import { createRetentionService } from './retention.ts';
import { createScheduledBackups } from './scheduled-backups.ts';
import { createScheduleService } from './schedules.ts';
import { createSnapshotQueries } from './snapshot-queries.ts';
import { createDataKeys } from './data-keys.ts';
import { createSnapshotService } from './snapshots.ts';
import { createStoredDataRemoval } from './stored-data.ts';
import { createSubscriptionService } from './subscriptions.ts';
import { createTokenService } from './tokens.ts';
import type { Viewer, ViewerRead } from './viewer.ts';

export interface ServiceDependencies {
  /** The data access each engine implements its own way. */
  store: Store;
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
export function createServices({ store, events, config, secretKey, logger, redirectUri, clock, metrics }: ServiceDependencies) {
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
  const apiKeys = createApiKeyService(store.apiKeys, store.settings, announce);
  const audit = createAuditLog(store.audit);
  const instances = createInstanceService(store.instances, announce, config);
  const tokens = createTokenService(store.ledger, secretKey);
  const dataKeys = createDataKeys(store.dataKeys, secretKey);
  const snapshotStorage = createSnapshotService(store.snapshots, dataKeys);
  const blobs = createLocalBlobStore(join(config.dataDir, 'blobs'), dataKeys);
  const snapshots = createSnapshotQueries(store.snapshotListing, snapshotStorage);
  const grantReleaser = createGrantReleaser(store.instances, store.jobs, tokens, connectedApp, logger);
  const restoredRecords = createRestoredRecordService(store.restoreIntents);
  const compare = createCompareService({ changes: store.snapshotChanges, storage: snapshotStorage, snapshots });
  const worker = createJobWorker({
    claims: store.claims, reports: store.reports, restoreIntents: store.restoreIntents, instances: store.instances, config, secretKey, connectedApp, tokens, snapshots: snapshotStorage, blobs, restoredRecords, grantReleaser, announce, logger, metrics,
    afterBackup: (snapshot) => dataAlerts.afterBackup(snapshot),
  });
  const starter = createJobStarter({ claims: store.claims, secretKey, connectedApp, instances, tokens, announce, onQueued: () => worker.wake(), tokenWarningAt: config.tokenWarningAt });
  const jobs = createJobService({ jobs: store.jobs, instances, snapshots, snapshotStorage, starter, runner: worker });
  const dataAlerts = createDataAlertService({ instances: store.instances, store: store.dataAlerts, storage: snapshotStorage, compare, announce, audit, startRestore: jobs.startRestore });
  const exportLinks = createExportLinks(secretKey, apiKeys);
  const now = () => clock.now();
  const retry = { attempts: config.salesforceRetries, baseDelayMs: config.salesforceRetryDelayMs };
  const grantHealth = createGrantHealth({ ledger: store.ledger, tokens, announce, connectedApp, retry, now });
  const policies = createBackupPolicyService(store.policies, now);
  const blobSweep = createBlobSweep(store.fileReferences, blobs, dataKeys);
  const retention = createRetentionService({ policies: store.retentionPolicies, pruning: store.pruning, blobSweep, now });
  const retentionPass = createRetentionPass(
    retention,
    ({ pruned }) =>
      void store.instances
        .byId(pruned[0].instanceId)
        .then((instance) => instance && announce.snapshotsPruned(instance, pruned.map((snapshot) => snapshot.id)))
        .catch((error: unknown) => logger.warn(`Pruned snapshots could not be announced: ${String(error)}`)),
    config.retentionCheckMinutes * 60_000,
    logger,
  );
  const scheduledBackups = createScheduledBackups({ instanceStore: store.instances, jobs: store.jobs, grantHealth, starter, announce, connectedApp, apiBudgetShare: config.apiBudgetShare });
  const scheduler = createScheduler({
    runClaims: store.runClaims,
    clock,
    policies,
    audit,
    start: (instanceId, objects) => scheduledBackups.start(instanceId, objects),
    scheduleChanged: (instanceId) =>
      void store.instances
        .byId(instanceId)
        .then((instance) => instance && announce.instanceChanged(instance))
        .catch((error: unknown) => logger.warn(`A schedule change could not be announced: ${String(error)}`)),
    afterRuns: () => void retentionPass.run(),
    logger,
    intervalMs: SCHEDULER_INTERVAL_MS,
  });
  const grantChecks = createGrantChecks(grantHealth, config.grantCheckMinutes * 60_000, logger);
  const organisations = createOrganisationService(store.organisations, announce);
  const storedData = createStoredDataRemoval(store.pruning, blobSweep);
  const services = {
    apiKeys,
    audit,
    organisations,
    removals: createRemovals({ store: store.removals, organisationStore: store.organisations, organisations, instances, tokens, apiKeys, storedData, connectedApp, announce, logger }),
    instances,
    tokens: {
      byIds: (viewer: Viewer, ids: readonly string[]) => tokens.byIds(viewer, ids),
      currentByInstanceIds: (viewer: Viewer, instanceIds: readonly string[]) => tokens.currentByInstanceIds(viewer, instanceIds),
      currentCountsForEachViewer: (reads: readonly ViewerRead[]) => tokens.currentCountsForEachViewer(reads),
    },
    snapshots,
    reauthentication: createReauthenticationService({ states: store.oauthStates, instanceStore: store.instances, announce, secretKey, connectedApp, instances, tokens, grantReleaser, grantHealth }),
    schedules: createScheduleService({ instances, policies, retention, announce, tokenWarningAt: config.tokenWarningAt }),
    jobs,
    compare,
    dataAlerts,
    exports: createExportService({ storage: snapshotStorage, snapshots, blobs, links: exportLinks }),
    subscriptions: createSubscriptionService(events),
  };
  return { services, worker, blobs, dataKeys, scheduler, grantChecks, retentionPass };
}

export type Services = ReturnType<typeof createServices>['services'];
