import { dirname, join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import { createLocalBlobStore } from '../storage/blob-store.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import { createJobWorker } from '../jobs/worker.ts';
import type { ConnectedApp } from '../salesforce/oauth.ts';
import { createAnnouncements } from './announcements.ts';
import { createApiKeyService } from './api-keys.ts';
import { createAuditLog } from './audit.ts';
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
import { createRestoredRecordService } from './restored-records.ts';
import { createSnapshotQueries } from './snapshot-queries.ts';
import { createDataKeys } from './data-keys.ts';
import { createSnapshotService } from './snapshots.ts';
import { createSubscriptionService } from './subscriptions.ts';
import { createTokenService } from './tokens.ts';
import type { Viewer } from './viewer.ts';

export interface ServiceDependencies {
  database: DatabaseHandle;
  events: EventBus;
  config: Config;
  /** Encrypts Salesforce secrets at rest. */
  secretKey: Buffer;
  logger: YogaLogger;
  /** Where Salesforce sends the browser back; known once the server listens. */
  redirectUri: () => string;
}

/**
 * The services the API calls, each method checking the viewer it is given, and the worker, which
 * reaches storage, tokens and grants directly through its own interface (`WorkerAccess`).
 */
export function createServices({ database, events, config, secretKey, logger, redirectUri }: ServiceDependencies) {
  const { db } = database;
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
  const apiKeys = createApiKeyService(db);
  const audit = createAuditLog(db);
  const instances = createInstanceService(db, announce, config);
  const tokens = createTokenService(db, secretKey);
  const dataKeys = createDataKeys(db, secretKey);
  const snapshotStorage = createSnapshotService(database, dataKeys);
  const blobs = createLocalBlobStore(join(dirname(config.databaseFile), 'blobs'), dataKeys);
  const snapshots = createSnapshotQueries(db, snapshotStorage);
  const grantReleaser = createGrantReleaser(db, tokens, connectedApp, logger);
  const restoredRecords = createRestoredRecordService(db);
  const compare = createCompareService({ db, sqlite: database.sqlite, storage: snapshotStorage, snapshots });
  const worker = createJobWorker({
    db, config, secretKey, connectedApp, tokens, snapshots: snapshotStorage, blobs, restoredRecords, grantReleaser, announce, logger,
    afterBackup: (snapshot) => dataAlerts.afterBackup(snapshot),
  });
  const starter = createJobStarter({ db, secretKey, connectedApp, instances, tokens, announce, onQueued: () => worker.wake() });
  const jobs = createJobService({ db, instances, snapshots, snapshotStorage, starter, runner: worker });
  const dataAlerts = createDataAlertService({ db, storage: snapshotStorage, compare, announce, audit, startRestore: jobs.startRestore });
  const exportLinks = createExportLinks(secretKey, apiKeys);
  const services = {
    apiKeys,
    audit,
    organisations: createOrganisationService(db, announce),
    instances,
    tokens: {
      byIds: (viewer: Viewer, ids: readonly string[]) => tokens.byIds(viewer, ids),
      currentByInstanceIds: (viewer: Viewer, instanceIds: readonly string[]) => tokens.currentByInstanceIds(viewer, instanceIds),
    },
    snapshots,
    jobs,
    compare,
    dataAlerts,
    exports: createExportService({ sqlite: database.sqlite, storage: snapshotStorage, snapshots, blobs, links: exportLinks }),
    reauthentication: createReauthenticationService({ db, announce, secretKey, connectedApp, instances, tokens, grantReleaser }),
    subscriptions: createSubscriptionService(events),
  };
  return { services, worker, blobs, dataKeys };
}

export type Services = ReturnType<typeof createServices>['services'];
