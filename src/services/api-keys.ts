import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { apiKeys, organisations, settings, type ApiKeyRow, type Role } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';
import { NotFoundError } from '../errors.ts';
import { validName } from './names.ts';

const OPERATOR_KEY_SETTING = 'operator_key_hash';
const KEY_PREFIX = 'sfb_';

export function createApiKeyService(db: Db) {
  // Every request authenticates: its two lookups are prepared once.
  const operatorKeyHash = db.select().from(settings).where(eq(settings.key, OPERATOR_KEY_SETTING)).prepare();
  const keyByHash = db.select().from(apiKeys).where(eq(apiKeys.secretHash, sql.placeholder('hash'))).prepare();

  return {
    /** Resolves a presented secret to its viewer, or null when it matches no key. */
    authenticate(secret: string): Viewer | null {
      const hash = sha256(secret);
      if (operatorKeyHash.get()?.value === hash) return { kind: 'operator' };
      const key = keyByHash.get({ hash });
      if (!key) return null;
      return { kind: 'member', organisationId: key.organisationId, role: key.role, keyId: key.id, keyName: key.name };
    },

    /**
     * Keeps the operator key's hash in step with ADMIN_API_KEY; without one, generates a key on
     * the first start and returns it so it can be shown once.
     */
    ensureOperatorKey(configured: string | undefined): string | undefined {
      if (configured) {
        db.insert(settings)
          .values({ key: OPERATOR_KEY_SETTING, value: sha256(configured) })
          .onConflictDoUpdate({ target: settings.key, set: { value: sha256(configured) } })
          .run();
        return undefined;
      }
      const existing = db.select().from(settings).where(eq(settings.key, OPERATOR_KEY_SETTING)).get();
      if (existing) return undefined;
      const secret = `${KEY_PREFIX}${randomToken()}`;
      db.insert(settings).values({ key: OPERATOR_KEY_SETTING, value: sha256(secret) }).run();
      return secret;
    },

    create(viewer: Viewer, organisationId: string, role: Role, name: string): { key: ApiKeyRow; secret: string } {
      const organisation = db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId)).get();
      if (!organisation || !canSeeOrganisation(viewer, organisationId)) throw new NotFoundError('Organisation', organisationId);
      const trimmed = validName(name);
      const secret = `${KEY_PREFIX}${randomToken()}`;
      const key = db
        .insert(apiKeys)
        .values({ id: randomUUID(), organisationId, role, name: trimmed, secretHash: sha256(secret) })
        .returning()
        .get();
      return { key, secret };
    },
  };
}
