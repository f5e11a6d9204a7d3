import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecretKey, parseSecretKey } from './crypto.ts';

/**
 * SECRET_KEY, or a key generated on the first start and kept in the data folder (beside the
 * SQLite file), readable by its owner only: encrypted refresh tokens are useless without it.
 */
export function loadSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return parseSecretKey(configured);
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) writeFileSync(file, `${generateSecretKey()}\n`, { mode: 0o600, flag: 'wx' });
  return parseSecretKey(readFileSync(file, 'utf8').trim());
}
