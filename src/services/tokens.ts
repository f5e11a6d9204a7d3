import { randomUUID } from 'node:crypto';
import { and, asc, eq, getTableColumns, inArray, isNull, ne, sql } from 'drizzle-orm';
import { inListPlaceholder } from '../../db/in-list.ts';
import type { Db } from '../../db/client.ts';
import { grants, instances, tokens, type GrantRow, type InstanceRow, type TokenRow, type TokenStatus } from '../../db/schema.ts';
import { decrypt, encrypt } from '../crypto.ts';
import { InstanceNotConnectedError, NotFoundError, TokenExpiredError, type TokenExhaustionReason } from '../errors.ts';
import type { AuthorizedGrant } from '../salesforce/oauth.ts';
import { canSeeOrganisation, type Viewer, type ViewerRead } from './viewer.ts';
import { writeTransaction } from '../../db/write-transaction.ts';

export interface TokenReservation {
  token: TokenRow;
  grant: GrantRow;
  instance: InstanceRow;
  /** True when this reservation took the last token, so the instance now needs reauthentication. */
  exhausted: boolean;
  /** Tokens of the grant still available after this one. */
  remaining: number;
}

export interface GrantRejection {
  instance: InstanceRow;
  /** True when this call moved the instance to REAUTH_REQUIRED (so it should be announced once). */
  exhaustedNow: boolean;
}

/**
 * The seed's rule: each grant gives `tokenLimit` tokens, each job start uses one, and the
 * instance needs reauthentication when none is left or Salesforce refuses the grant.
 * Every state change is one synchronous SQLite transaction, so concurrent starts cannot share a token.
 */
export function createTokenService(db: Db, secretKey: Buffer) {
  // Read for every instance shown and every instance event a subscription executes: prepared once.
  const currentTokens = db
    .select({ ...getTableColumns(tokens), organisationId: instances.organisationId })
    .from(tokens)
    .innerJoin(instances, and(eq(instances.id, tokens.instanceId), eq(instances.currentGrantId, tokens.grantId)))
    .where(inListPlaceholder(tokens.instanceId, sql.placeholder('instanceIds')))
    .orderBy(asc(tokens.position))
    .prepare();
  // The counts most reads want (tokensUsed, tokensRemaining): a row per status, not per token.
  const currentTokenCounts = db
    .select({ instanceId: tokens.instanceId, status: tokens.status, count: sql<number>`count(*)`, organisationId: instances.organisationId })
    .from(tokens)
    .innerJoin(instances, and(eq(instances.id, tokens.instanceId), eq(instances.currentGrantId, tokens.grantId)))
    .where(inListPlaceholder(tokens.instanceId, sql.placeholder('instanceIds')))
    .groupBy(tokens.instanceId, tokens.status)
    .prepare();

  function usedCount(grantId: string) {
    return db
      .select({ count: sql<number>`count(*)` })
      .from(tokens)
      .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'USED')))
      .get()!.count;
  }

  return {
    /** The tokens of each instance's current grant, in the order they are used. */
    currentByInstanceIds(viewer: Viewer, instanceIds: readonly string[]): TokenRow[] {
      return currentTokens
        .all({ instanceIds: JSON.stringify(instanceIds) })
        .filter((row) => canSeeOrganisation(viewer, row.organisationId))
        .map(({ organisationId: _organisation, ...token }) => token);
    },

    /** Current-grant token counts by status of instances read by many callers at once, in one statement. */
    currentCountsForEachViewer(reads: readonly ViewerRead[]): Map<TokenStatus, number>[] {
      const byInstance = new Map<string, { organisationId: string; counts: Map<TokenStatus, number> }>();
      for (const row of currentTokenCounts.all({ instanceIds: JSON.stringify([...new Set(reads.map((read) => read.id))]) })) {
        let entry = byInstance.get(row.instanceId);
        if (!entry) byInstance.set(row.instanceId, (entry = { organisationId: row.organisationId, counts: new Map() }));
        entry.counts.set(row.status, row.count);
      }
      return reads.map(({ viewer, id }) => {
        const entry = byInstance.get(id);
        return entry && canSeeOrganisation(viewer, entry.organisationId) ? entry.counts : new Map<TokenStatus, number>();
      });
    },

    byIds(viewer: Viewer, ids: readonly string[]): TokenRow[] {
      return db
        .select({ token: tokens, organisationId: instances.organisationId })
        .from(tokens)
        .innerJoin(instances, eq(instances.id, tokens.instanceId))
        .where(inArray(tokens.id, [...ids]))
        .all()
        .filter((row) => canSeeOrganisation(viewer, row.organisationId))
        .map((row) => row.token);
    },

    usedOnCurrentGrant(instance: InstanceRow): number {
      return instance.currentGrantId ? usedCount(instance.currentGrantId) : 0;
    },

    refreshTokenOf(grant: GrantRow): string {
      return decrypt(secretKey, grant.refreshTokenCiphertext);
    },

    grant(grantId: string): GrantRow | undefined {
      return db.select().from(grants).where(eq(grants.id, grantId)).get();
    },

    /**
     * Stores a new approval as the instance's current grant with a fresh set of tokens. Tokens
     * left on the previous grant are revoked; the previous grant itself stays until its jobs end.
     */
    issueGrant(instanceId: string, authorized: AuthorizedGrant): { instance: InstanceRow; previousGrantId: string | null } {
      const now = new Date();
      return writeTransaction(db, (tx) => {
        const instance = tx.select().from(instances).where(eq(instances.id, instanceId)).get();
        if (!instance) throw new NotFoundError('Instance', instanceId);
        const grantId = randomUUID();
        tx.insert(grants)
          .values({
            id: grantId,
            instanceId,
            refreshTokenCiphertext: encrypt(secretKey, authorized.refreshToken),
            issuedAt: now,
            salesforceUserId: authorized.salesforceUserId,
            loginUrl: instance.loginUrl,
          })
          .run();
        tx.insert(tokens)
          .values(
            Array.from({ length: instance.tokenLimit }, (_, position) => ({
              id: randomUUID(),
              instanceId,
              grantId,
              position,
              issuedAt: now,
            })),
          )
          .run();
        if (instance.currentGrantId) {
          tx.update(tokens)
            .set({ status: 'REVOKED' })
            .where(and(eq(tokens.grantId, instance.currentGrantId), eq(tokens.status, 'AVAILABLE')))
            .run();
        }
        const updated = tx
          .update(instances)
          .set({
            status: 'CONNECTED',
            currentGrantId: grantId,
            instanceUrl: authorized.instanceUrl,
            salesforceOrgId: authorized.salesforceOrgId,
            salesforceUserId: authorized.salesforceUserId,
            username: authorized.username,
            lastAuthenticatedAt: now,
          })
          .where(eq(instances.id, instanceId))
          .returning()
          .get();
        return { instance: updated, previousGrantId: instance.currentGrantId };
      });
    },

    /** Takes the next available token of the instance's current grant for a job. */
    reserve(instanceId: string, jobId: string): TokenReservation {
      return writeTransaction(db, (tx) => {
        const instance = tx.select().from(instances).where(eq(instances.id, instanceId)).get();
        if (!instance) throw new NotFoundError('Instance', instanceId);
        if (!instance.currentGrantId) throw new InstanceNotConnectedError(instanceId);
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
        if (!token) {
          const reason: TokenExhaustionReason = usedCount(grantId) >= instance.tokenLimit ? 'LIMIT_REACHED' : 'REVOKED_BY_SALESFORCE';
          throw new TokenExpiredError(instanceId, instance.tokenLimit, usedCount(grantId), reason);
        }
        const used = tx
          .update(tokens)
          .set({ status: 'USED', usedAt: new Date(), jobId })
          .where(eq(tokens.id, token.id))
          .returning()
          .get();
        const remaining = tx
          .select({ count: sql<number>`count(*)` })
          .from(tokens)
          .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'AVAILABLE')))
          .get()!.count;
        const current = remaining === 0
          ? tx.update(instances).set({ status: 'REAUTH_REQUIRED' }).where(eq(instances.id, instanceId)).returning().get()
          : instance;
        const grant = tx.select().from(grants).where(eq(grants.id, grantId)).get()!;
        return { token: used, grant, instance: current, exhausted: remaining === 0, remaining };
      });
    },

    /** Gives a reserved token back when its job could not start for a reason that is not the grant's. */
    release(reservation: TokenReservation): InstanceRow {
      return writeTransaction(db, (tx) => {
        tx.update(tokens).set({ status: 'AVAILABLE', usedAt: null, jobId: null }).where(eq(tokens.id, reservation.token.id)).run();
        const instance = tx.select().from(instances).where(eq(instances.id, reservation.instance.id)).get()!;
        if (instance.status === 'REAUTH_REQUIRED' && instance.currentGrantId === reservation.grant.id) {
          return tx.update(instances).set({ status: 'CONNECTED' }).where(eq(instances.id, instance.id)).returning().get();
        }
        return instance;
      });
    },

    /** Keeps a rotated refresh token (orgs with rotation on kill the old one when issuing the new). */
    rotate(grantId: string, refreshToken: string): void {
      db.update(grants).set({ refreshTokenCiphertext: encrypt(secretKey, refreshToken) }).where(eq(grants.id, grantId)).run();
    },

    /**
     * Salesforce refused the grant. On the current grant, its unused tokens (and the one a starting
     * job had just reserved) expire and the instance needs reauthentication; an older grant's
     * failure stays with its own jobs.
     */
    reject(grantId: string, reservedTokenId?: string): GrantRejection {
      return writeTransaction(db, (tx) => {
        const grant = tx.select().from(grants).where(eq(grants.id, grantId)).get()!;
        tx.update(grants).set({ revokedAt: grant.revokedAt ?? new Date() }).where(eq(grants.id, grantId)).run();
        const instance = tx.select().from(instances).where(eq(instances.id, grant.instanceId)).get()!;
        if (instance.currentGrantId !== grantId) return { instance, exhaustedNow: false };
        tx.update(tokens)
          .set({ status: 'EXPIRED' })
          .where(and(eq(tokens.grantId, grantId), eq(tokens.status, 'AVAILABLE')))
          .run();
        if (reservedTokenId) {
          tx.update(tokens).set({ status: 'EXPIRED' }).where(eq(tokens.id, reservedTokenId)).run();
        }
        if (instance.status === 'REAUTH_REQUIRED') return { instance, exhaustedNow: false };
        const updated = tx
          .update(instances)
          .set({ status: 'REAUTH_REQUIRED' })
          .where(and(eq(instances.id, instance.id), ne(instances.status, 'REAUTH_REQUIRED')))
          .returning()
          .get();
        return { instance: updated, exhaustedNow: true };
      });
    },

    markRevoked(grantId: string): void {
      db.update(grants).set({ revokedAt: new Date() }).where(eq(grants.id, grantId)).run();
    },

    /** Marks the grant's tokens as running low; true only the first time, so the warning goes out once. */
    flagTokensLow(grantId: string): boolean {
      return db.update(grants).set({ tokensLowAt: new Date() }).where(and(eq(grants.id, grantId), isNull(grants.tokensLowAt))).run().changes > 0;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
