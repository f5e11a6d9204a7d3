import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { organisationKeys } from '../../db/schema.ts';
import { writeTransaction } from '../../db/write-transaction.ts';
import { decrypt, encrypt } from '../crypto.ts';
import { unwrapCipher, type OrganisationCipher } from './organisation-cipher.ts';

export { unwrapCipher, type OrganisationCipher } from './organisation-cipher.ts';

/**
 * Per-organisation data keys: made on first use, kept wrapped by SECRET_KEY, unwrapped once per
 * process. Rotating SECRET_KEY re-wraps them (see `rewrap`); the data itself is not re-encrypted.
 */
export function createDataKeys(db: Db, secretKey: Buffer) {
  const ciphers = new Map<string, OrganisationCipher>();

  function wrappedKeyOf(organisationId: string): string {
    const existing = db.select().from(organisationKeys).where(eq(organisationKeys.organisationId, organisationId)).get();
    if (existing) return existing.wrappedKey;
    const wrapped = encrypt(secretKey, randomBytes(32).toString('hex'));
    // Two first uses at once keep the same key: the second insert does nothing.
    db.insert(organisationKeys).values({ organisationId, wrappedKey: wrapped }).onConflictDoNothing().run();
    return db.select().from(organisationKeys).where(eq(organisationKeys.organisationId, organisationId)).get()!.wrappedKey;
  }

  return {
    /** The organisation's data key as stored, wrapped by SECRET_KEY: for a thread that opens records itself. */
    wrappedKeyOf,

    forOrganisation(organisationId: string): OrganisationCipher {
      let cipher = ciphers.get(organisationId);
      if (!cipher) {
        cipher = unwrapCipher(secretKey, wrappedKeyOf(organisationId));
        ciphers.set(organisationId, cipher);
      }
      return cipher;
    },

    /** Re-wraps every data key wrapped by `previousSecretKey` with the current SECRET_KEY; returns how many. */
    rewrap(previousSecretKey: Buffer): number {
      let rewrapped = 0;
      writeTransaction(db, (tx) => {
        for (const row of tx.select().from(organisationKeys).all()) {
          let dataKey: string;
          try {
            dataKey = decrypt(previousSecretKey, row.wrappedKey);
          } catch {
            continue; // already wrapped by the current key
          }
          tx.update(organisationKeys).set({ wrappedKey: encrypt(secretKey, dataKey) }).where(eq(organisationKeys.organisationId, row.organisationId)).run();
          rewrapped += 1;
        }
      });
      return rewrapped;
    },
  };
}

export type DataKeys = ReturnType<typeof createDataKeys>;
