import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { settings } from '../schema.ts';
import type { SettingsStore } from '../settings-store.ts';
import { promised } from './promised.ts';

/** Settings on SQLite. */
export function sqliteSettingsStore(db: Db): SettingsStore {
  const get = (name: string) => db.select().from(settings).where(eq(settings.key, name)).get()?.value;
  const put = (name: string, value: string) =>
    void db.insert(settings).values({ key: name, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
  const putIfAbsent = (name: string, value: string) => {
    db.insert(settings).values({ key: name, value }).onConflictDoNothing().run();
    return get(name)!;
  };
  return { get: promised(get), put: promised(put), putIfAbsent: promised(putIfAbsent) };
}
