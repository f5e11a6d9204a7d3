import { dirname, join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import { createLocalBlobStore } from '../storage/blob-store.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import type { ConnectedApp } from '../salesforce/oauth.ts';
import { createAnnouncements } from './announcements.ts';
import { createApiKeyService } from './api-keys.ts';
import { createGrantReleaser } from './grant-releaser.ts';
import { createInstanceService } from './instances.ts';
import { createJobStarter } from './job-starter.ts';
import { createJobWorker } from './job-worker.ts';
import { createJobService } from './jobs.ts';
import { createOrganisationService } from './organisations.ts';
import { createReauthenticationService } from './reauthentication.ts';
import { createDataKeys } from './data-keys.ts';
import { createSnapshotService } from './snapshots.ts';
import { createSubscriptionService } from './subscriptions.ts';
import { createTokenService } from './tokens.ts';

export interface ServiceDependencies {
  database: DatabaseHandle;
  events: EventBus;
  config: Config;
  /** Encrypts Salesforce secrets at rest. */
  secretKey: Buffer;
  logger: YogaLogger;
}

export type Services = ReturnType<typeof createServices>;

export function createServices({ database, events, config, secretKey, logger }: ServiceDependencies) {
  const { db } = database;
  // Read when needed: the public URL is only known once the server listens.
  const connectedApp = (): ConnectedApp => {
    if (!config.salesforce.clientId) throw new Error('SALESFORCE_CLIENT_ID is not configured');
    return {
      clientId: config.salesforce.clientId,
      clientSecret: config.salesforce.clientSecret,
      redirectUri: `${config.publicUrl}/oauth/callback`,
      apiVersion: config.salesforce.apiVersion,
    };
  };
  const announce = createAnnouncements(events);
  const apiKeys = createApiKeyService(db);
  const instances = createInstanceService(db, events, config);
  const tokens = createTokenService(db, secretKey);
  const dataKeys = createDataKeys(db, secretKey);
  const snapshots = createSnapshotService(database, dataKeys);
  const blobs = createLocalBlobStore(join(dirname(config.databaseFile), 'blobs'), dataKeys);
  const grantReleaser = createGrantReleaser(db, tokens, connectedApp, logger);
  const worker = createJobWorker({ db, config, secretKey, connectedApp, tokens, snapshots, blobs, grantReleaser, announce, logger });
  const starter = createJobStarter({ db, secretKey, connectedApp, instances, tokens, announce, onQueued: () => worker.wake() });
  return {
    apiKeys,
    organisations: createOrganisationService(db, events),
    instances,
    tokens,
    snapshots,
    dataKeys,
    blobs,
    worker,
    jobs: createJobService({ db, instances, snapshots, starter, worker }),
    reauthentication: createReauthenticationService({ db, events, secretKey, connectedApp, instances, tokens, grantReleaser }),
    subscriptions: createSubscriptionService(events),
  };
}
