import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { grantRows, type NewGrant, type ReservationRefusal, type TokenLedger, type TokenReservation } from '../token-ledger.ts';
import type { PgDb } from './client.ts';
import { grants, instances, tokens } from './schema.ts';
import { postgresTokenReads } from './token-reads.ts';

type Transaction = Parameters<Parameters<PgDb['transaction']>[0]>[0];

const countOf = async (tx: Transaction, grantId: string, status: 'USED' | 'AVAILABLE') =>
  (await tx.select({ n: count() }).from(tokens).where(and(eq(tokens.grantId, grantId), eq(tokens.status, status))))[0].n;

/** Locks the instance's row: every change to its tokens takes this lock first, so they run one at a time. */
const lockInstance = async (tx: Transaction, instanceId: string) => (await tx.select().from(instances).where(eq(instances.id, instanceId)).for('update'))[0];

/**
 * The token rule on PostgreSQL. Each change runs in a transaction that first locks the instance's
 * row, so concurrent starts from any number of API processes take tokens one after another.
 */
export function postgresTokenLedger(db: PgDb): TokenLedger {
  return {
    issueGrant: (instanceId: string, approval: NewGrant, now: Date) =>
      db.transaction(async (tx) => {
        const instance = await lockInstance(tx, instanceId);
        if (!instance) return undefined;
        const rows = grantRows(instance, approval, now);
        await tx.insert(grants).values(rows.grant);
        await tx.insert(tokens).values(rows.tokens);
        if (instance.currentGrantId) {
          await tx
            .update(tokens)
            .set({ status: 'REVOKED' })
            .where(and(eq(tokens.grantId, instance.currentGrantId), eq(tokens.status, 'AVAILABLE')));
        }
        const [updated] = await tx.update(instances).set(rows.instance).where(eq(instances.id, instanceId)).returning();
        return { instance: updated, previousGrantId: instance.currentGrantId };
      }),

    reserve: (instanceId: string, jobId: string) =>
      db.transaction(async (tx): Promise<TokenReservation | ReservationRefusal> => {
        const instance = await lockInstance(tx, instanceId);
        if (!instance) return { refused: 'NO_INSTANCE' };
        if (!instance.currentGrantId) return { refused: 'NOT_CONNECTED' };
        const grantId = instance.currentGrantId;
        const [token] =
          instance.status === 'CONNECTED'
            ? await tx
                .select()
                .from(tokens)
                .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'AVAILABLE')))
                .orderBy(asc(tokens.position))
                .limit(1)
            : [];
        if (!token) return { refused: 'NO_TOKEN_LEFT', tokenLimit: instance.tokenLimit, used: await countOf(tx, grantId, 'USED') };
        const [used] = await tx.update(tokens).set({ status: 'USED', usedAt: new Date(), jobId }).where(eq(tokens.id, token.id)).returning();
        const remaining = await countOf(tx, grantId, 'AVAILABLE');
        const current = remaining === 0 ? (await tx.update(instances).set({ status: 'REAUTH_REQUIRED' }).where(eq(instances.id, instanceId)).returning())[0] : instance;
        const [grant] = await tx.select().from(grants).where(eq(grants.id, grantId));
        return { token: used, grant, instance: current, exhausted: remaining === 0, remaining };
      }),

    release: (reservation: TokenReservation) =>
      db.transaction(async (tx) => {
        const instance = await lockInstance(tx, reservation.instance.id);
        await tx.update(tokens).set({ status: 'AVAILABLE', usedAt: null, jobId: null }).where(eq(tokens.id, reservation.token.id));
        if (instance.status === 'REAUTH_REQUIRED' && instance.currentGrantId === reservation.grant.id) {
          return (await tx.update(instances).set({ status: 'CONNECTED' }).where(eq(instances.id, instance.id)).returning())[0];
        }
        return instance;
      }),

    reject: (grantId: string, reservedTokenId?: string) =>
      db.transaction(async (tx) => {
        const [grant] = await tx.select().from(grants).where(eq(grants.id, grantId));
        const instance = await lockInstance(tx, grant.instanceId);
        await tx.update(grants).set({ revokedAt: grant.revokedAt ?? new Date() }).where(eq(grants.id, grantId));
        if (instance.currentGrantId !== grantId) return { instance, exhaustedNow: false };
        await tx
          .update(tokens)
          .set({ status: 'EXPIRED' })
          .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'AVAILABLE')));
        if (reservedTokenId) await tx.update(tokens).set({ status: 'EXPIRED' }).where(eq(tokens.id, reservedTokenId));
        if (instance.status === 'REAUTH_REQUIRED') return { instance, exhaustedNow: false };
        const [updated] = await tx.update(instances).set({ status: 'REAUTH_REQUIRED' }).where(eq(instances.id, instance.id)).returning();
        return { instance: updated, exhaustedNow: true };
      }),

    async rotate(grantId, refreshTokenCiphertext) {
      await db.update(grants).set({ refreshTokenCiphertext }).where(eq(grants.id, grantId));
    },

    markRevoked: async (grantId) =>
      (await db.update(grants).set({ revokedAt: new Date() }).where(and(eq(grants.id, grantId), isNull(grants.revokedAt))).returning({ id: grants.id })).length > 0,

    flagTokensLow: async (grantId) =>
      (await db.update(grants).set({ tokensLowAt: new Date() }).where(and(eq(grants.id, grantId), isNull(grants.tokensLowAt))).returning({ id: grants.id })).length > 0,

    ...postgresTokenReads(db),
  };
}
