import type { InstanceStore } from '../../db/instance-store.ts';
import type { OAuthStates } from '../../db/oauth-states.ts';
import type { InstanceRow, OAuthStateRow } from '../../db/schema.ts';
import { decrypt, encrypt, randomToken, sha256 } from '../crypto.ts';
import { InvalidStateError, ReauthenticationFailedError, WrongSalesforceOrgError } from '../errors.ts';
import { authorizationRequest, exchangeCode, revokeToken, type AuthorizedGrant, type ConnectedApp } from '../salesforce/oauth.ts';
import { UntrustedInstanceUrlError } from '../salesforce/hosts.ts';
import type { GrantHealth } from './grant-health.ts';
import type { GrantReleaser } from './grant-releaser.ts';
import type { Announcements } from './announcements.ts';
import type { InstanceService } from './instances.ts';
import type { TokenService } from './tokens.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

const STATE_LIFETIME_MS = 10 * 60 * 1000;

/** Who logged in at Salesforce, shown before the login is connected to the instance. */
export interface ReauthenticationPreview {
  instance: InstanceRow;
  username: string;
  salesforceOrgId: string;
  salesforceInstanceUrl: string;
}

export interface ReauthenticationStarted {
  authorizationUrl: string;
  state: string;
  expiresAt: Date;
  instance: InstanceRow;
  /** Set when the login would make Salesforce evict another instance's grant: say so before redirecting. */
  approvalWarning: string | null;
  /** Live grants here of the Salesforce user last seen on the instance. */
  approvalsHeld: number;
  /** The instance that would lose access, when the viewer may see it. */
  wouldRevoke: InstanceRow | null;
}

interface Dependencies {
  states: OAuthStates;
  instanceStore: Pick<InstanceStore, 'byId'>;
  announce: Announcements;
  secretKey: Buffer;
  connectedApp: () => ConnectedApp;
  instances: InstanceService;
  tokens: TokenService;
  grantReleaser: GrantReleaser;
  grantHealth: GrantHealth;
}

/** The OAuth web-server flow that (re)connects an instance: start, then complete from the callback. */
export function createReauthenticationService({ states, instanceStore, announce, secretKey, connectedApp, instances, tokens, grantReleaser, grantHealth }: Dependencies) {
  /** A live state of the viewer's organisation; unknown, expired, used and foreign states are refused. */
  async function pendingState(viewer: Viewer | null, state: string): Promise<OAuthStateRow> {
    const pending = await states.byHash(sha256(state));
    if (!pending || (viewer && !canSeeOrganisation(viewer, pending.organisationId))) {
      throw new InvalidStateError('Unknown reauthentication state: start the reauthentication again');
    }
    if (pending.consumedAt) throw new InvalidStateError('This reauthentication was already completed or cancelled');
    if (pending.expiresAt <= new Date()) throw new InvalidStateError('This reauthentication expired: start it again');
    return pending;
  }

  /** Consumes a state once: of two callers at the same moment, the second is told it was already used. */
  async function consumeState(viewer: Viewer | null, state: string): Promise<OAuthStateRow> {
    const pending = await pendingState(viewer, state);
    if (!(await states.consume(pending.stateHash, new Date()))) {
      await pendingState(viewer, state);
      throw new InvalidStateError('This reauthentication was already completed or cancelled');
    }
    return pending;
  }

  async function instanceOf(pending: OAuthStateRow): Promise<InstanceRow> {
    const instance = await instanceStore.byId(pending.instanceId);
    if (!instance) throw new InvalidStateError('The instance of this reauthentication no longer exists');
    return instance;
  }

  /** The grant a preview of this very code kept; the state alone never reaches it. */
  function previewedGrant(pending: OAuthStateRow, code: string): AuthorizedGrant | undefined {
    if (!pending.pendingGrantCiphertext || pending.codeHash !== sha256(code)) return undefined;
    return JSON.parse(decrypt(secretKey, pending.pendingGrantCiphertext)) as AuthorizedGrant;
  }

  /** The code for a grant, refused (and handed back) when it is for another org than the instance's. */
  async function exchange(instance: InstanceRow, pending: OAuthStateRow, code: string): Promise<AuthorizedGrant> {
    const app = connectedApp();
    let authorized: AuthorizedGrant;
    try {
      authorized = await exchangeCode(app, instance.loginUrl, code, decrypt(secretKey, pending.codeVerifierCiphertext));
    } catch (error) {
      if (error instanceof UntrustedInstanceUrlError) throw new ReauthenticationFailedError(error.message);
      throw new ReauthenticationFailedError(`Salesforce refused the login: ${(error as Error).message}`);
    }
    if (instance.salesforceOrgId && instance.salesforceOrgId !== authorized.salesforceOrgId) {
      // Give the approval straight back so it does not count against the user's five.
      await revokeToken(app, instance.loginUrl, authorized.refreshToken).catch(() => {});
      throw new WrongSalesforceOrgError(instance.salesforceOrgId, authorized.salesforceOrgId);
    }
    return authorized;
  }

  return {
    async start(viewer: Viewer, instanceId: string): Promise<ReauthenticationStarted> {
      const instance = await instances.get(viewer, instanceId);
      const app = connectedApp();
      const state = randomToken();
      const { url, codeVerifier } = authorizationRequest(app, instance.loginUrl, state);
      const expiresAt = new Date(Date.now() + STATE_LIFETIME_MS);
      await states.add({
        stateHash: sha256(state),
        instanceId: instance.id,
        organisationId: instance.organisationId,
        codeVerifierCiphertext: encrypt(secretKey, codeVerifier),
        expiresAt,
      });
      return { authorizationUrl: url, state, expiresAt, instance, ...(await grantHealth.evictionRisk(viewer, instance)) };
    },

    /**
     * Exchanges the code the browser brought back and says who logged in, without connecting
     * anything: the signed-in key of the organisation that started it then confirms with
     * `complete`. Asking again with the same code shows the same login.
     */
    async preview(viewer: Viewer, state: string, code: string): Promise<ReauthenticationPreview> {
      const pending = await pendingState(viewer, state);
      const instance = await instanceOf(pending);
      let authorized = previewedGrant(pending, code);
      if (!authorized) {
        authorized = await exchange(instance, pending, code);
        await states.keepPreview(pending.stateHash, encrypt(secretKey, JSON.stringify(authorized)), sha256(code));
      }
      return { instance, username: authorized.username, salesforceOrgId: authorized.salesforceOrgId, salesforceInstanceUrl: authorized.instanceUrl };
    },

    /**
     * Finishes a login: the grant a preview kept for this code, or the code exchanged now with the
     * kept verifier; checks it is the same Salesforce org, stores the new grant with fresh tokens
     * and retires the previous grant. Only a key of the organisation that started it may.
     */
    async complete(viewer: Viewer, state: string, code: string): Promise<InstanceRow> {
      const pending = await consumeState(viewer, state);
      const instance = await instanceOf(pending);
      const authorized = previewedGrant(pending, code) ?? (await exchange(instance, pending, code));

      const { instance: connected, previousGrantId } = await tokens.issueGrant(instance.id, authorized);
      announce.reauthenticated(connected);
      if (previousGrantId) await grantReleaser.releaseIfIdle(previousGrantId);
      // A sixth live approval of the user: Salesforce has just evicted the oldest; find whose.
      await grantHealth.checkEvicted((await tokens.grant(connected.currentGrantId!))!);
      return connected;
    },

    /** Salesforce sent the user back without a code (denied consent): the state is spent, nothing else changes. */
    /** Ends a login Salesforce refused; answers the instance it was for. */
    async cancel(state: string): Promise<{ instanceId: string; organisationId: string }> {
      const { instanceId, organisationId } = await consumeState(null, state);
      return { instanceId, organisationId };
    },
  };
}

export type ReauthenticationService = ReturnType<typeof createReauthenticationService>;
