import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { settings } from '../../db/schema.ts';

const INSTALLATION_SETTING = 'installation_id';

/**
 * This deployment's id, made on its first start and kept in the database: every process on the
 * same database shares it, and two deployments on one Redis never hear each other's events.
 */
export function installationId(db: Db): string {
  db.insert(settings).values({ key: INSTALLATION_SETTING, value: randomUUID() }).onConflictDoNothing().run();
  return db.select().from(settings).where(eq(settings.key, INSTALLATION_SETTING)).get()!.value;
}
