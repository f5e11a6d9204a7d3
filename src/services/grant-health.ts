import { setTimeout as sleep } from 'node:timers/promises';
import type { GrantRow, InstanceRow } from '../../db/schema.ts';
import type { TokenLedger } from '../../db/token-ledger.ts';
import { isGrantRejected } from '../salesforce/errors.ts';
import { refreshSession, type ConnectedApp, type RefreshedSession } from '../salesforce/oauth.ts';
import type { Announcements } from './announcements.ts';
import type { TokenService } from './tokens.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

/** Salesforce keeps this many approvals per user and connected app; a new one evicts the oldest. */
export const APPROVALS_PER_USER = 5;

export type GrantCheck = 'ACCEPTED' | 'REFUSED' | 'UNREACHABLE' | 'NOT_CONNECTED';

/** Salesforce refused the grant: the instance needs reauthentication (already announced). */
export class GrantRefusedError extends Error {}

interface Dependencies {
  ledger: Pick<TokenLedger, 'markChecked' | 'liveGrantsOfUser' | 'onLiveGrants'>;
  tokens: TokenService;
  announce: Announcements;
  connectedApp: () => ConnectedApp;
  retry: { attempts: number; baseDelayMs: number };
  now: () => Date;
}

/**
 * Sessions on an instance's grant that spend no token (grant checks, scheduled backups), and what
 * a refusal means: Salesforce no longer accepts the grant, so the instance needs reauthentication
 * at once and subscribers hear of it before anyone starts a job. Transient failures are retried
 * and never mark a grant dead.
 */
export function createGrantHealth({ ledger, tokens, announce, connectedApp, retry, now }: Dependencies) {
  async function refused(grant: GrantRow): Promise<GrantRefusedError> {
    const wasLive = !(await tokens.grant(grant.id))?.revokedAt;
    const rejection = await tokens.reject(grant.id);
    // Also when every token was already spent: scheduled backups ran on the grant until now.
    const lostNow = wasLive && rejection.instance.currentGrantId === grant.id;
    if (rejection.exhaustedNow || lostNow) announce.tokensExhausted(rejection.instance, 'REVOKED_BY_SALESFORCE');
    return new GrantRefusedError("Salesforce refused the instance's grant: reauthenticate it");
  }

  async function refresh(instance: InstanceRow, grant: GrantRow): Promise<RefreshedSession> {
    for (let attempt = 1; ; attempt++) {
      try {
        const session = await refreshSession(connectedApp(), grant.loginUrl ?? instance.loginUrl, tokens.refreshTokenOf((await tokens.grant(grant.id)) ?? grant));
        if (session.refreshToken) await tokens.rotate(grant.id, session.refreshToken);
        await ledger.markChecked(grant.id, now());
        return session;
      } catch (error) {
        if (isGrantRejected(error)) throw await refused(grant);
        // Anything but a refusal may pass (a 503 page, a reset socket): try again, never mark the grant dead.
        if (attempt >= retry.attempts) throw error;
        await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  /** The instance's current grant while Salesforce may still accept it (its tokens may all be spent). */
  async function liveGrant(instance: InstanceRow): Promise<GrantRow | undefined> {
    const grant = instance.currentGrantId ? await tokens.grant(instance.currentGrantId) : undefined;
    return grant && !grant.revokedAt ? grant : undefined;
  }

  async function check(instance: InstanceRow): Promise<GrantCheck> {
    const grant = await liveGrant(instance);
    if (!grant) return 'NOT_CONNECTED';
    try {
      await refresh(instance, grant);
      return 'ACCEPTED';
    } catch (error) {
      return error instanceof GrantRefusedError ? 'REFUSED' : 'UNREACHABLE';
    }
  }

  return {
    liveGrant,

    /** A fresh session on the current grant, spending no token; throws GrantRefusedError once announced. */
    async session(instance: InstanceRow): Promise<{ grant: GrantRow; session: RefreshedSession } | undefined> {
      const grant = await liveGrant(instance);
      if (!grant) return undefined;
      return { grant, session: await refresh(instance, grant) };
    },

    check,

    /** Checks every connected instance's grant in turn. */
    async checkAll(): Promise<Map<string, GrantCheck>> {
      const results = new Map<string, GrantCheck>();
      for (const instance of await ledger.onLiveGrants()) results.set(instance.id, await check(instance));
      return results;
    },

    /**
     * Before a login: when the user last seen on the instance already holds five live grants here,
     * a new approval makes Salesforce evict the oldest. Names its instance when that is another
     * one the viewer may see (another organisation's is only counted).
     */
    async evictionRisk(viewer: Viewer, instance: InstanceRow): Promise<{ approvalWarning: string | null; approvalsHeld: number; wouldRevoke: InstanceRow | null }> {
      const held = instance.salesforceUserId ? await ledger.liveGrantsOfUser(instance.salesforceUserId) : [];
      const oldest = held[0];
      if (held.length < APPROVALS_PER_USER || !oldest || oldest.instance.id === instance.id) return { approvalWarning: null, approvalsHeld: held.length, wouldRevoke: null };
      const visible = canSeeOrganisation(viewer, oldest.instance.organisationId);
      const who = instance.username ?? 'The Salesforce user';
      const loser = visible ? `"${oldest.instance.name}"` : 'an instance of another organisation in this service';
      return {
        approvalWarning: `${who} already holds ${held.length} grants here, Salesforce's limit per user: logging in again makes Salesforce revoke the oldest, and ${loser} loses access until it is reauthenticated.`,
        approvalsHeld: held.length,
        wouldRevoke: visible ? oldest.instance : null,
      };
    },

    /**
     * After a login: when the user now holds more than five live grants in this service, Salesforce
     * has evicted the oldest. The instances holding the grants beyond the five newest are checked
     * at once, so the one that lost access is announced now rather than at its next job.
     */
    async checkEvicted(newGrant: GrantRow): Promise<InstanceRow[]> {
      if (!newGrant.salesforceUserId) return [];
      const live = await ledger.liveGrantsOfUser(newGrant.salesforceUserId);
      const evicted = live.slice(0, Math.max(0, live.length - APPROVALS_PER_USER));
      const lost: InstanceRow[] = [];
      for (const { grant, instance } of evicted) {
        if (instance.currentGrantId !== grant.id) continue;
        if ((await check(instance)) === 'REFUSED') lost.push(instance);
      }
      return lost;
    },
  };
}

export type GrantHealth = ReturnType<typeof createGrantHealth>;
