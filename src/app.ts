import type { YogaLogger } from 'graphql-yoga';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import type { Config } from './config.ts';
import { createEventBus, type EventBus } from './events.ts';
import { parseSecretKey } from './crypto.ts';
import { rotateSecretKey } from './secret-rotation.ts';
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
  if (config.previousSecretKey) {
    const resealed = rotateSecretKey(database.sqlite, parseSecretKey(config.previousSecretKey), secretKey);
    logger.info(`SECRET_KEY_PREVIOUS: ${resealed} secrets re-sealed with SECRET_KEY; remove SECRET_KEY_PREVIOUS now`);
  }
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
