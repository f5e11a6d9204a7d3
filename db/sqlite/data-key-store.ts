import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { DataKeyStore } from '../data-key-store.ts';
import { organisationKeys } from '../schema.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';

/** Data keys on SQLite. */
export function sqliteDataKeyStore(db: Db): DataKeyStore {
  const storedKey = db.select().from(organisationKeys).where(eq(organisationKeys.organisationId, sql.placeholder('organisationId'))).prepare();

  function wrappedKeyOf(organisationId: string, made: () => string): string {
    const existing = storedKey.get({ organisationId });
    if (existing) return existing.wrappedKey;
    // Two first uses at once keep the same key: the second insert does nothing.
    db.insert(organisationKeys).values({ organisationId, wrappedKey: made() }).onConflictDoNothing().run();
    return storedKey.get({ organisationId })!.wrappedKey;
  }

  function rewrap(rewrapped: (wrappedKey: string) => string | undefined): number {
    let changed = 0;
    writeTransaction(db, (tx) => {
      for (const row of tx.select().from(organisationKeys).all()) {
        const wrappedKey = rewrapped(row.wrappedKey);
        if (wrappedKey === undefined) continue;
        tx.update(organisationKeys).set({ wrappedKey }).where(eq(organisationKeys.organisationId, row.organisationId)).run();
        changed += 1;
      }
    });
    return changed;
  }

  return { wrappedKeyOf: promised(wrappedKeyOf), rewrap: promised(rewrap) };
}
