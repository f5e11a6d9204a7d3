import type { SealedSecrets } from '../db/sealed-secrets.ts';
import { decrypt, encrypt } from './crypto.ts';

/**
 * Re-seals with `current` everything that `previous` sealed (SECRET_KEY_PREVIOUS at start-up),
 * in one transaction. Records and files are sealed by the organisations' data keys, which are
 * only re-wrapped here: rotation costs a few rows, whatever the size of the backups.
 */
export function rotateSecretKey(sealedSecrets: SealedSecrets, previous: Buffer, current: Buffer): Promise<number> {
  return sealedSecrets.resealAll((sealed) => {
    let plaintext: string;
    try {
      plaintext = decrypt(previous, sealed);
    } catch {
      return undefined; // sealed by the current key already
    }
    return encrypt(current, plaintext);
  });
}
