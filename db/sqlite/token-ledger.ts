import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { grants, instances, tokens } from '../schema.ts';
import { grantRows, type NewGrant, type TokenLedger, type TokenReservation } from '../token-ledger.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';
import { sqliteTokenReads } from './token-reads.ts';

type Reader = Pick<Db, 'select'>;

const countOf = (db: Reader, grantId: string, status: 'USED' | 'AVAILABLE') =>
  db
    .select({ count: sql<number>`count(*)` })
    .from(tokens)
    .where(and(eq(tokens.grantId, grantId), eq(tokens.status, status)))
    .get()!.count;

/** The token rule on SQLite: each state change is one synchronous IMMEDIATE transaction. */
export function sqliteTokenLedger(db: Db): TokenLedger {
  function issueGrant(instanceId: string, approval: NewGrant, now: Date) {
    return writeTransaction(db, (tx) => {
      const instance = tx.select().from(instances).where(eq(instances.id, instanceId)).get();
      if (!instance) return undefined;
      const rows = grantRows(instance, approval, now);
      tx.insert(grants).values(rows.grant).run();
      tx.insert(tokens).values(rows.tokens).run();
      if (instance.currentGrantId) {
        tx.update(tokens)
          .set({ status: 'REVOKED' })
          .where(and(eq(tokens.grantId, instance.currentGrantId), eq(tokens.status, 'AVAILABLE')))
          .run();
      }
      const updated = tx.update(instances).set(rows.instance).where(eq(instances.id, instanceId)).returning().get();
      return { instance: updated, previousGrantId: instance.currentGrantId };
    });
  }

  function reserve(instanceId: string, jobId: string) {
    return writeTransaction(db, (tx) => {
      const instance = tx.select().from(instances).where(eq(instances.id, instanceId)).get();
      if (!instance) return { refused: 'NO_INSTANCE' as const };
      if (!instance.currentGrantId) return { refused: 'NOT_CONNECTED' as const };
      const grantId = instance.currentGrantId;
      const token =
        instance.status === 'CONNECTED'
          ? tx
              .select()
              .from(tokens)
              .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'AVAILABLE')))
              .orderBy(asc(tokens.position))
              .get()
          : undefined;
      if (!token) return { refused: 'NO_TOKEN_LEFT' as const, tokenLimit: instance.tokenLimit, used: countOf(tx, grantId, 'USED') };
      const used = tx.update(tokens).set({ status: 'USED', usedAt: new Date(), jobId }).where(eq(tokens.id, token.id)).returning().get();
      const remaining = countOf(tx, grantId, 'AVAILABLE');
      const current = remaining === 0 ? tx.update(instances).set({ status: 'REAUTH_REQUIRED' }).where(eq(instances.id, instanceId)).returning().get() : instance;
      const grant = tx.select().from(grants).where(eq(grants.id, grantId)).get()!;
      return { token: used, grant, instance: current, exhausted: remaining === 0, remaining };
    });
  }

  function release(reservation: TokenReservation) {
    return writeTransaction(db, (tx) => {
      tx.update(tokens).set({ status: 'AVAILABLE', usedAt: null, jobId: null }).where(eq(tokens.id, reservation.token.id)).run();
      const instance = tx.select().from(instances).where(eq(instances.id, reservation.instance.id)).get()!;
      if (instance.status === 'REAUTH_REQUIRED' && instance.currentGrantId === reservation.grant.id) {
        return tx.update(instances).set({ status: 'CONNECTED' }).where(eq(instances.id, instance.id)).returning().get();
      }
      return instance;
    });
  }

  function reject(grantId: string, reservedTokenId?: string) {
    return writeTransaction(db, (tx) => {
      const grant = tx.select().from(grants).where(eq(grants.id, grantId)).get()!;
      tx.update(grants).set({ revokedAt: grant.revokedAt ?? new Date() }).where(eq(grants.id, grantId)).run();
      const instance = tx.select().from(instances).where(eq(instances.id, grant.instanceId)).get()!;
      if (instance.currentGrantId !== grantId) return { instance, exhaustedNow: false };
      tx.update(tokens)
        .set({ status: 'EXPIRED' })
        .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'AVAILABLE')))
        .run();
      if (reservedTokenId) tx.update(tokens).set({ status: 'EXPIRED' }).where(eq(tokens.id, reservedTokenId)).run();
      if (instance.status === 'REAUTH_REQUIRED') return { instance, exhaustedNow: false };
      const updated = tx
        .update(instances)
        .set({ status: 'REAUTH_REQUIRED' })
        .where(and(eq(instances.id, instance.id), ne(instances.status, 'REAUTH_REQUIRED')))
        .returning()
        .get();
      return { instance: updated, exhaustedNow: true };
    });
  }

  const rotate = (grantId: string, refreshTokenCiphertext: string) => void db.update(grants).set({ refreshTokenCiphertext }).where(eq(grants.id, grantId)).run();
  const markRevoked = (grantId: string) => db.update(grants).set({ revokedAt: new Date() }).where(and(eq(grants.id, grantId), isNull(grants.revokedAt))).run().changes > 0;
  const flagTokensLow = (grantId: string) => db.update(grants).set({ tokensLowAt: new Date() }).where(and(eq(grants.id, grantId), isNull(grants.tokensLowAt))).run().changes > 0;

  return {
    issueGrant: promised(issueGrant),
    reserve: promised(reserve),
    release: promised(release),
    reject: promised(reject),
    rotate: promised(rotate),
    markRevoked: promised(markRevoked),
    flagTokensLow: promised(flagTokensLow),
    ...sqliteTokenReads(db),
  };
}
