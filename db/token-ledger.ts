import { randomUUID } from 'node:crypto';
import type { GrantRow, InstanceRow, TokenRow, TokenStatus } from './schema.ts';

export interface TokenReservation {
  token: TokenRow;
  grant: GrantRow;
  instance: InstanceRow;
  /** True when this reservation took the last token, so the instance now needs reauthentication. */
  exhausted: boolean;
  /** Tokens of the grant still available after this one. */
  remaining: number;
}

/** Why no token could be reserved; the token service turns each into its error. */
export type ReservationRefusal =
  | { refused: 'NO_INSTANCE' }
  | { refused: 'NOT_CONNECTED' }
  | { refused: 'NO_TOKEN_LEFT'; tokenLimit: number; used: number };

export interface GrantRejection {
  instance: InstanceRow;
  /** True when this call moved the instance to REAUTH_REQUIRED (so it should be announced once). */
  exhaustedNow: boolean;
}

/** A Salesforce approval as stored: its refresh token already sealed. */
export interface NewGrant {
  refreshTokenCiphertext: string;
  instanceUrl: string;
  salesforceOrgId: string;
  salesforceUserId: string;
  username: string;
}

/**
 * The token rule's state changes, each atomic whatever the number of API processes: two starts
 * never share a token, and the last one moves the instance to REAUTH_REQUIRED in the same step.
 * Each database engine implements them its own way (db/sqlite, db/pg).
 */
export interface TokenLedger {
  /**
   * Stores a new approval as the instance's current grant with a fresh set of tokens. Tokens
   * left on the previous grant are revoked; the previous grant itself stays until its jobs end.
   * Undefined when the instance does not exist.
   */
  issueGrant(instanceId: string, grant: NewGrant, now: Date): Promise<{ instance: InstanceRow; previousGrantId: string | null } | undefined>;
  /** Takes the next available token of the instance's current grant for a job. */
  reserve(instanceId: string, jobId: string): Promise<TokenReservation | ReservationRefusal>;
  /** Gives a reserved token back; the instance is CONNECTED again if that token was its last. */
  release(reservation: TokenReservation): Promise<InstanceRow>;
  /**
   * Salesforce refused the grant. On the current grant, its unused tokens (and the one a starting
   * job had just reserved) expire and the instance needs reauthentication; an older grant's
   * failure stays with its own jobs.
   */
  reject(grantId: string, reservedTokenId?: string): Promise<GrantRejection>;
  /** Keeps a rotated refresh token (orgs with rotation on kill the old one when issuing the new). */
  rotate(grantId: string, refreshTokenCiphertext: string): Promise<void>;
  /** Marks a superseded grant revoked; true only for the call that did, so one process revokes it at Salesforce. */
  markRevoked(grantId: string): Promise<boolean>;
  /** Marks the grant's tokens as running low; true only the first time, so the warning goes out once. */
  flagTokensLow(grantId: string): Promise<boolean>;
  /** Notes that Salesforce accepted the grant at `at` (a grant check's last word). */
  markChecked(grantId: string, at: Date): Promise<void>;

  /** The tokens of each instance's current grant, in the order they are used, in one statement. */
  currentTokens(instanceIds: readonly string[]): Promise<OfOrganisation<TokenRow>[]>;
  /** How many tokens of each instance's current grant are in each status, in one statement. */
  currentCounts(instanceIds: readonly string[]): Promise<{ instanceId: string; organisationId: string; status: TokenStatus; count: number }[]>;
  /** The tokens of these ids, each with its instance's organisation. */
  tokensByIds(ids: readonly string[]): Promise<{ token: TokenRow; organisationId: string }[]>;
  /** How many of the grant's tokens jobs have used. */
  usedCount(grantId: string): Promise<number>;
  grant(grantId: string): Promise<GrantRow | undefined>;
  /**
   * The grants of one Salesforce user in this service that Salesforce may still hold, oldest first:
   * each is one of the user's five approvals, including a superseded grant kept for a running job.
   */
  liveGrantsOfUser(salesforceUserId: string): Promise<{ grant: GrantRow; instance: InstanceRow }[]>;
  /** The instances whose current grant Salesforce may still accept. */
  onLiveGrants(): Promise<InstanceRow[]>;
}

/** A row with the organisation of its instance, for the viewer's check. */
export type OfOrganisation<R> = R & { organisationId: string };

/** The rows a new grant writes: the grant, its tokens, and the instance connected on it. */
export function grantRows(instance: Pick<InstanceRow, 'id' | 'loginUrl' | 'tokenLimit'>, approval: NewGrant, now: Date) {
  const grantId = randomUUID();
  return {
    grant: { id: grantId, instanceId: instance.id, refreshTokenCiphertext: approval.refreshTokenCiphertext, issuedAt: now, salesforceUserId: approval.salesforceUserId, loginUrl: instance.loginUrl },
    tokens: Array.from({ length: instance.tokenLimit }, (_, position) => ({ id: randomUUID(), instanceId: instance.id, grantId, position, issuedAt: now })),
    instance: {
      status: 'CONNECTED' as const,
      currentGrantId: grantId,
      instanceUrl: approval.instanceUrl,
      salesforceOrgId: approval.salesforceOrgId,
      salesforceUserId: approval.salesforceUserId,
      username: approval.username,
      lastAuthenticatedAt: now,
    },
  };
}
