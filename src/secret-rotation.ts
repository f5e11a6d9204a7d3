import type Database from 'better-sqlite3';
import { decrypt, encrypt } from './crypto.ts';

/** Every value sealed by SECRET_KEY itself: table, its key column, the sealed column. */
const SEALED_COLUMNS = [
  ['organisation_keys', 'organisation_id', 'wrapped_key'],
  ['grants', 'id', 'refresh_token_ciphertext'],
  ['jobs', 'id', 'access_token_ciphertext'],
  ['oauth_states', 'state_hash', 'code_verifier_ciphertext'],
  ['oauth_states', 'state_hash', 'pending_grant_ciphertext'],
] as const;

/**
 * Re-seals with `current` everything that `previous` sealed (SECRET_KEY_PREVIOUS at start-up),
 * in one transaction. Records and files are sealed by the organisations' data keys, which are
 * only re-wrapped here: rotation costs a few rows, whatever the size of the backups.
 */
export function rotateSecretKey(sqlite: Database.Database, previous: Buffer, current: Buffer): number {
  let resealed = 0;
  sqlite.transaction(() => {
    for (const [table, key, column] of SEALED_COLUMNS) {
      const rows = sqlite.prepare(`SELECT ${key} AS id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL`).all() as { id: string; sealed: string }[];
      const update = sqlite.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${key} = ?`);
      for (const { id, sealed } of rows) {
        let plaintext: string;
        try {
          plaintext = decrypt(previous, sealed);
        } catch {
          continue; // sealed by the current key already
        }
        update.run(encrypt(current, plaintext), id);
        resealed += 1;
      }
    }
  })();
  return resealed;
}
