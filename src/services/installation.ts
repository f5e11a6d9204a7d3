import { randomUUID } from 'node:crypto';
import type { SettingsStore } from '../../db/settings-store.ts';

const INSTALLATION_SETTING = 'installation_id';

/**
 * This deployment's id, made on its first start and kept in the database: every process on the
 * same database shares it, and two deployments on one Redis never hear each other's events.
 */
export function installationId(settings: SettingsStore): Promise<string> {
  return settings.putIfAbsent(INSTALLATION_SETTING, randomUUID());
}
