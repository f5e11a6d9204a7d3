import type { YogaLogger } from 'graphql-yoga';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import type { Config } from './config.ts';
import { createEventBus, type EventBus } from './events.ts';
import { loadSecretKey } from './secret-key.ts';
import { createServices, type Services } from './services/index.ts';

export interface App {
  config: Config;
  database: DatabaseHandle;
  events: EventBus;
  services: Services;
  /** Set on the first start without ADMIN_API_KEY: the generated operator key, to show once. */
  generatedOperatorKey: string | undefined;
  close(): Promise<void>;
}

/** Everything but the network: database, events and services, wired once. */
export function createApp(config: Config, logger: YogaLogger): App {
  const database = openDatabase(config.databaseFile);
  const secretKey = loadSecretKey(config.secretKey, config.databaseFile);
  const events = createEventBus();
  const services = createServices({ database, events, config, secretKey, logger });
  const generatedOperatorKey = services.apiKeys.ensureOperatorKey(config.adminApiKey);
  services.worker.start();
  return {
    config,
    database,
    events,
    services,
    generatedOperatorKey,
    close: async () => {
      await services.worker.stop();
      database.close();
    },
  };
}
