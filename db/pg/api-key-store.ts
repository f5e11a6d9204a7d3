import { and, asc, eq } from 'drizzle-orm';
import type { ApiKeyStore } from '../api-key-store.ts';
import { createdAfter } from '../keyset.ts';
import type { PgDb } from './client.ts';
import { apiKeys, organisations } from './schema.ts';

/** API keys on PostgreSQL. */
export function postgresApiKeyStore(db: PgDb): ApiKeyStore {
  return {
    bySecretHash: async (secretHash) => (await db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)))[0],
    byId: async (id) => (await db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0],
    organisationExists: async (organisationId) =>
      (await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId))).length > 0,
    create: async (key) => (await db.insert(apiKeys).values(key).returning())[0],
    page: (organisationId, after, limit) =>
      db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.organisationId, organisationId), createdAfter(apiKeys.createdAt, apiKeys.id, after)))
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
        .limit(limit),
    revoke: async (id, at) => (await db.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id)).returning())[0],
    async noteUse(id, at) {
      await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
    },
  };
}
