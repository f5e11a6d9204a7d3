import { eq } from 'drizzle-orm';
import type { SettingsStore } from '../settings-store.ts';
import type { PgDb } from './client.ts';
import { settings } from './schema.ts';

/** Settings on PostgreSQL. */
export function postgresSettingsStore(db: PgDb): SettingsStore {
  const get = async (name: string): Promise<string | undefined> => (await db.select().from(settings).where(eq(settings.key, name)))[0]?.value;
  return {
    get,
    async put(name, value) {
      await db.insert(settings).values({ key: name, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
    },
    // A concurrent insert of the same name makes this one wait for its commit, then do nothing;
    // the read that follows, a statement of its own, sees the committed value.
    async putIfAbsent(name, value) {
      await db.insert(settings).values({ key: name, value }).onConflictDoNothing();
      return (await get(name))!;
    },
  };
}
