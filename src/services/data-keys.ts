import { randomBytes } from 'node:crypto';
import type { DataKeyStore } from '../../db/data-key-store.ts';
import { decrypt, encrypt } from '../crypto.ts';
import { unwrapCipher, type OrganisationCipher } from './organisation-cipher.ts';

export { unwrapCipher, type OrganisationCipher } from './organisation-cipher.ts';

/**
 * Per-organisation data keys: made on first use, kept wrapped by SECRET_KEY, unwrapped once per
 * process. Rotating SECRET_KEY re-wraps them (see `rewrap`); the data itself is not re-encrypted.
 */
export function createDataKeys(store: DataKeyStore, secretKey: Buffer) {
  const ciphers = new Map<string, Promise<OrganisationCipher>>();

  /** The organisation's data key as stored, wrapped by SECRET_KEY: for a thread that opens records itself. */
  const wrappedKeyOf = (organisationId: string): Promise<string> => store.wrappedKeyOf(organisationId, () => encrypt(secretKey, randomBytes(32).toString('hex')));

  return {
    wrappedKeyOf,

    forOrganisation(organisationId: string): Promise<OrganisationCipher> {
      let cipher = ciphers.get(organisationId);
      if (!cipher) {
        cipher = wrappedKeyOf(organisationId).then((wrapped) => unwrapCipher(secretKey, wrapped));
        ciphers.set(organisationId, cipher);
        // A key that could not be read is asked for again next time.
        cipher.catch(() => ciphers.delete(organisationId));
      }
      return cipher;
    },

    /** Re-wraps every data key wrapped by `previousSecretKey` with the current SECRET_KEY; returns how many. */
    rewrap(previousSecretKey: Buffer): Promise<number> {
      return store.rewrap((wrappedKey) => {
        try {
          return encrypt(secretKey, decrypt(previousSecretKey, wrappedKey));
        } catch {
          return undefined; // already wrapped by the current key
        }
      });
    },
  };
}

export type DataKeys = ReturnType<typeof createDataKeys>;
