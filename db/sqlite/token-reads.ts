import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { inList, inListPlaceholder } from '../in-list.ts';
import { grants, instances, tokens } from '../schema.ts';
import type { TokenLedger } from '../token-ledger.ts';
import { promised } from './promised.ts';

type TokenReads = Pick<TokenLedger, 'markChecked' | 'currentTokens' | 'currentCounts' | 'tokensByIds' | 'usedCount' | 'grant' | 'liveGrantsOfUser' | 'onLiveGrants'>;

/** What is read of tokens and grants on SQLite. */
export function sqliteTokenReads(db: Db): TokenReads {
  // Read for every instance shown and every instance event a subscription executes: prepared once.
  const currentTokens = db
    .select({ ...getTableColumns(tokens), organisationId: instances.organisationId })
    .from(tokens)
    .innerJoin(instances, and(eq(instances.id, tokens.instanceId), eq(instances.currentGrantId, tokens.grantId)))
    .where(inListPlaceholder(tokens.instanceId, sql.placeholder('instanceIds')))
    .orderBy(asc(tokens.position))
    .prepare();
  // The counts most reads want (tokensUsed, tokensRemaining): a row per status, not per token.
  const currentCounts = db
    .select({ instanceId: tokens.instanceId, status: tokens.status, count: sql<number>`count(*)`, organisationId: instances.organisationId })
    .from(tokens)
    .innerJoin(instances, and(eq(instances.id, tokens.instanceId), eq(instances.currentGrantId, tokens.grantId)))
    .where(inListPlaceholder(tokens.instanceId, sql.placeholder('instanceIds')))
    .groupBy(tokens.instanceId, tokens.status)
    .prepare();

  return {
    markChecked: promised((grantId: string, at: Date) => void db.update(grants).set({ checkedAt: at }).where(eq(grants.id, grantId)).run()),
    currentTokens: promised((instanceIds: readonly string[]) => currentTokens.all({ instanceIds: JSON.stringify(instanceIds) })),
    currentCounts: promised((instanceIds: readonly string[]) => currentCounts.all({ instanceIds: JSON.stringify(instanceIds) })),
    tokensByIds: promised((ids: readonly string[]) =>
      db
        .select({ token: tokens, organisationId: instances.organisationId })
        .from(tokens)
        .innerJoin(instances, eq(instances.id, tokens.instanceId))
        .where(inList(tokens.id, ids))
        .all(),
    ),
    usedCount: promised(
      (grantId: string) =>
        db
          .select({ count: sql<number>`count(*)` })
          .from(tokens)
          .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'USED')))
          .get()!.count,
    ),
    grant: promised((grantId: string) => db.select().from(grants).where(eq(grants.id, grantId)).get()),
    liveGrantsOfUser: promised((salesforceUserId: string) =>
      db
        .select({ grant: grants, instance: instances })
        .from(grants)
        .innerJoin(instances, eq(instances.id, grants.instanceId))
        .where(and(eq(grants.salesforceUserId, salesforceUserId), isNull(grants.revokedAt)))
        .orderBy(asc(grants.issuedAt))
        .all(),
    ),
    onLiveGrants: promised(() =>
      db
        .select({ instance: instances })
        .from(instances)
        .innerJoin(grants, eq(grants.id, instances.currentGrantId))
        .where(isNull(grants.revokedAt))
        .all()
        .map((row) => row.instance),
    ),
  };
}
