import { and, asc, count, eq, getTableColumns, isNull } from 'drizzle-orm';
import type { TokenLedger } from '../token-ledger.ts';
import { anyOf } from './any-of.ts';
import type { PgDb } from './client.ts';
import { grants, instances, tokens } from './schema.ts';

type TokenReads = Pick<TokenLedger, 'markChecked' | 'currentTokens' | 'currentCounts' | 'tokensByIds' | 'usedCount' | 'grant' | 'liveGrantsOfUser' | 'onLiveGrants'>;

const ofCurrentGrant = and(eq(instances.id, tokens.instanceId), eq(instances.currentGrantId, tokens.grantId));

/** What is read of tokens and grants on PostgreSQL. */
export function postgresTokenReads(db: PgDb): TokenReads {
  return {
    async markChecked(grantId, at) {
      await db.update(grants).set({ checkedAt: at }).where(eq(grants.id, grantId));
    },

    currentTokens: (instanceIds) =>
      db
        .select({ ...getTableColumns(tokens), organisationId: instances.organisationId })
        .from(tokens)
        .innerJoin(instances, ofCurrentGrant)
        .where(anyOf(tokens.instanceId, instanceIds))
        .orderBy(asc(tokens.position)),

    currentCounts: (instanceIds) =>
      db
        .select({ instanceId: tokens.instanceId, status: tokens.status, count: count(), organisationId: instances.organisationId })
        .from(tokens)
        .innerJoin(instances, ofCurrentGrant)
        .where(anyOf(tokens.instanceId, instanceIds))
        .groupBy(tokens.instanceId, tokens.status, instances.organisationId),

    tokensByIds: (ids) =>
      db.select({ token: tokens, organisationId: instances.organisationId }).from(tokens).innerJoin(instances, eq(instances.id, tokens.instanceId)).where(anyOf(tokens.id, ids)),

    usedCount: async (grantId) => (await db.select({ n: count() }).from(tokens).where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'USED'))))[0].n,

    grant: async (grantId) => (await db.select().from(grants).where(eq(grants.id, grantId)))[0],

    liveGrantsOfUser: (salesforceUserId) =>
      db
        .select({ grant: grants, instance: instances })
        .from(grants)
        .innerJoin(instances, eq(instances.id, grants.instanceId))
        .where(and(eq(grants.salesforceUserId, salesforceUserId), isNull(grants.revokedAt)))
        .orderBy(asc(grants.issuedAt), asc(grants.id)),

    onLiveGrants: async () =>
      (await db.select({ instance: instances }).from(instances).innerJoin(grants, eq(grants.id, instances.currentGrantId)).where(isNull(grants.revokedAt))).map((row) => row.instance),
  };
}
