import { eq } from 'drizzle-orm';
import type { DataKeyStore } from '../data-key-store.ts';
import type { PgDb } from './client.ts';
import { organisationKeys } from './schema.ts';

/** Data keys on PostgreSQL. */
export function postgresDataKeyStore(db: PgDb): DataKeyStore {
  const storedKey = async (organisationId: string) =>
    (await db.select({ wrappedKey: organisationKeys.wrappedKey }).from(organisationKeys).where(eq(organisationKeys.organisationId, organisationId)))[0]?.wrappedKey;

  return {
    async wrappedKeyOf(organisationId, made) {
      const existing = await storedKey(organisationId);
      if (existing !== undefined) return existing;
      // Two first uses at once keep the same key: the second insert does nothing, and reads the first's once it commits.
      await db.insert(organisationKeys).values({ organisationId, wrappedKey: made() }).onConflictDoNothing();
      return storedKey(organisationId);
    },

    rewrap: (rewrapped) =>
      db.transaction(async (tx) => {
        let changed = 0;
        for (const row of await tx.select().from(organisationKeys).for('update')) {
          const wrappedKey = rewrapped(row.wrappedKey);
          if (wrappedKey === undefined) continue;
          await tx.update(organisationKeys).set({ wrappedKey }).where(eq(organisationKeys.organisationId, row.organisationId));
          changed += 1;
        }
        return changed;
      }),
  };
}
