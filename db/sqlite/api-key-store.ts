import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { ApiKeyStore, NewApiKey } from '../api-key-store.ts';
import { apiKeys, organisations } from '../schema.ts';
import { createdAfter } from '../keyset.ts';
import { promised } from './promised.ts';

/** API keys on SQLite. */
export function sqliteApiKeyStore(db: Db): ApiKeyStore {
  const bySecretHash = (secretHash: string) => db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)).get();
  const byId = (id: string) => db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  const organisationExists = (organisationId: string) =>
    db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId)).get() !== undefined;
  const create = (key: NewApiKey) => db.insert(apiKeys).values(key).returning().get();
  const page = (organisationId: string, after: readonly [number, string] | undefined, limit: number) =>
    db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.organisationId, organisationId), createdAfter(apiKeys.createdAt, apiKeys.id, after)))
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
      .limit(limit)
      .all();
  const revoke = (id: string, at: Date) => db.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id)).returning().get();
  const noteUse = (id: string, at: Date) => void db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id)).run();
  return {
    bySecretHash: promised(bySecretHash),
    byId: promised(byId),
    organisationExists: promised(organisationExists),
    create: promised(create),
    page: promised(page),
    revoke: promised(revoke),
    noteUse: promised(noteUse),
  };
}
