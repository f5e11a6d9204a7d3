import type { DatabaseHandle } from '../../db/client.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import { createApiKeyService } from './api-keys.ts';
import { createInstanceService } from './instances.ts';
import { createJobService } from './jobs.ts';
import { createOrganisationService } from './organisations.ts';
import { createSubscriptionService } from './subscriptions.ts';
import { createTokenService } from './tokens.ts';

export interface ServiceDependencies {
  database: DatabaseHandle;
  events: EventBus;
  config: Config;
  /** Encrypts Salesforce secrets at rest. */
  secretKey: Buffer;
}

export type Services = ReturnType<typeof createServices>;

export function createServices({ database, events, config }: ServiceDependencies) {
  const { db } = database;
  return {
    apiKeys: createApiKeyService(db),
    organisations: createOrganisationService(db),
    instances: createInstanceService(db, events, config),
    tokens: createTokenService(db),
    jobs: createJobService(db),
    subscriptions: createSubscriptionService(events),
  };
}
