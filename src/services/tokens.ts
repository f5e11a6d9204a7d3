import type { GrantRow, InstanceRow, TokenRow, TokenStatus } from '../../db/schema.ts';
import type { GrantRejection, TokenLedger, TokenReservation } from '../../db/token-ledger.ts';
import { decrypt, encrypt } from '../crypto.ts';
import { InstanceNotConnectedError, NotFoundError, TokenExpiredError, type TokenExhaustionReason } from '../errors.ts';
import type { AuthorizedGrant } from '../salesforce/oauth.ts';
import { canSeeOrganisation, type Viewer, type ViewerRead } from './viewer.ts';

export type { TokenReservation } from '../../db/token-ledger.ts';

/**
 * The seed's rule: each grant gives `tokenLimit` tokens, each job start uses one, and the
 * instance needs reauthentication when none is left or Salesforce refuses the grant.
 * Every state change is atomic in the ledger (db/token-ledger.ts), so concurrent starts cannot share a token.
 */
export function createTokenService(ledger: TokenLedger, secretKey: Buffer) {
  return {
    /** The tokens of each instance's current grant, in the order they are used. */
    async currentByInstanceIds(viewer: Viewer, instanceIds: readonly string[]): Promise<TokenRow[]> {
      return (await ledger.currentTokens(instanceIds))
        .filter((row) => canSeeOrganisation(viewer, row.organisationId))
        .map(({ organisationId: _organisation, ...token }) => token);
    },

    /** Current-grant token counts by status of instances read by many callers at once, in one statement. */
    async currentCountsForEachViewer(reads: readonly ViewerRead[]): Promise<Map<TokenStatus, number>[]> {
      const byInstance = new Map<string, { organisationId: string; counts: Map<TokenStatus, number> }>();
      for (const row of await ledger.currentCounts([...new Set(reads.map((read) => read.id))])) {
        let entry = byInstance.get(row.instanceId);
        if (!entry) byInstance.set(row.instanceId, (entry = { organisationId: row.organisationId, counts: new Map() }));
        entry.counts.set(row.status, row.count);
      }
      return reads.map(({ viewer, id }) => {
        const entry = byInstance.get(id);
        return entry && canSeeOrganisation(viewer, entry.organisationId) ? entry.counts : new Map<TokenStatus, number>();
      });
    },

    async byIds(viewer: Viewer, ids: readonly string[]): Promise<TokenRow[]> {
      return (await ledger.tokensByIds(ids)).filter((row) => canSeeOrganisation(viewer, row.organisationId)).map((row) => row.token);
    },

    async usedOnCurrentGrant(instance: InstanceRow): Promise<number> {
      return instance.currentGrantId ? ledger.usedCount(instance.currentGrantId) : 0;
    },

    refreshTokenOf(grant: GrantRow): string {
      return decrypt(secretKey, grant.refreshTokenCiphertext);
    },

    grant: (grantId: string): Promise<GrantRow | undefined> => ledger.grant(grantId),

    /**
     * Stores a new approval as the instance's current grant with a fresh set of tokens. Tokens
     * left on the previous grant are revoked; the previous grant itself stays until its jobs end.
     */
    async issueGrant(instanceId: string, authorized: AuthorizedGrant): Promise<{ instance: InstanceRow; previousGrantId: string | null }> {
      const { refreshToken, instanceUrl, salesforceOrgId, salesforceUserId, username } = authorized;
      const issued = await ledger.issueGrant(instanceId, { refreshTokenCiphertext: encrypt(secretKey, refreshToken), instanceUrl, salesforceOrgId, salesforceUserId, username }, new Date());
      if (!issued) throw new NotFoundError('Instance', instanceId);
      return issued;
    },

    /** Takes the next available token of the instance's current grant for a job. */
    async reserve(instanceId: string, jobId: string): Promise<TokenReservation> {
      const reserved = await ledger.reserve(instanceId, jobId);
      if (!('refused' in reserved)) return reserved;
      if (reserved.refused === 'NO_INSTANCE') throw new NotFoundError('Instance', instanceId);
      if (reserved.refused === 'NOT_CONNECTED') throw new InstanceNotConnectedError(instanceId);
      const reason: TokenExhaustionReason = reserved.used >= reserved.tokenLimit ? 'LIMIT_REACHED' : 'REVOKED_BY_SALESFORCE';
      throw new TokenExpiredError(instanceId, reserved.tokenLimit, reserved.used, reason);
    },

    /** Gives a reserved token back when its job could not start for a reason that is not the grant's. */
    release: (reservation: TokenReservation): Promise<InstanceRow> => ledger.release(reservation),

    /** Keeps a rotated refresh token (orgs with rotation on kill the old one when issuing the new). */
    rotate: (grantId: string, refreshToken: string): Promise<void> => ledger.rotate(grantId, encrypt(secretKey, refreshToken)),

    /**
     * Salesforce refused the grant. On the current grant, its unused tokens (and the one a starting
     * job had just reserved) expire and the instance needs reauthentication; an older grant's
     * failure stays with its own jobs.
     */
    reject: (grantId: string, reservedTokenId?: string): Promise<GrantRejection> => ledger.reject(grantId, reservedTokenId),

    markRevoked: (grantId: string): Promise<boolean> => ledger.markRevoked(grantId),

    /** Marks the grant's tokens as running low; true only the first time, so the warning goes out once. */
    flagTokensLow: (grantId: string): Promise<boolean> => ledger.flagTokensLow(grantId),
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
