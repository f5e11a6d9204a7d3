import { createHash, randomBytes } from 'node:crypto';

export interface EmulatedUser {
  username: string;
  password: string;
  userId: string;
  orgId: string;
  displayName: string;
  email: string;
}

interface AuthorizationCode {
  user: EmulatedUser;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  expiresAt: number;
}

interface RefreshGrant {
  token: string;
  user: EmulatedUser;
  clientId: string;
  issuedAt: number;
  revoked: boolean;
}

interface AccessSession {
  user: EmulatedUser;
  grant: RefreshGrant | undefined;
  expiresAt: number;
}

export interface TokenDump {
  grants: { token: string; username: string; clientId: string; issuedAt: number }[];
  sessions: { token: string; username: string; grant: string | null; expiresAt: number }[];
  counters: TokenStore['counters'];
}

export const MAX_APPROVALS = 5;
const CODE_LIFETIME_MS = 10 * 60 * 1000;
const SWEEP_THRESHOLD = 10_000;

const random = (prefix: string, bytes: number) => `${prefix}${randomBytes(bytes).toString('base64url')}`;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/**
 * OAuth state of the emulated Salesforce: codes, refresh grants (five approvals per user and
 * connected app, the sixth evicting the oldest) and access tokens with a lifetime.
 */
export class TokenStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly grants = new Map<string, RefreshGrant>();
  private readonly sessions = new Map<string, AccessSession>();
  readonly counters = { authorizationCodeGrants: 0, refreshGrants: 0, revocations: 0 };
  private sweepAt = SWEEP_THRESHOLD;

  constructor(
    private accessTokenTtlMs: number,
    private readonly rotateRefreshTokens: boolean,
  ) {}

  issueCode(user: EmulatedUser, clientId: string, redirectUri: string, codeChallenge: string | undefined): string {
    // Salesforce's codes end in "==" once URL-decoded, which shows double-decoding bugs.
    if (this.sessions.size + this.codes.size >= this.sweepAt) this.sweepExpired();
    const code = `aPrx${randomBytes(48).toString('base64')}==`;
    this.codes.set(code, { user, clientId, redirectUri, codeChallenge, expiresAt: Date.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** Single use: a code is gone once presented, whatever the outcome. */
  takeCode(code: string): AuthorizationCode | undefined {
    const found = this.codes.get(code);
    this.codes.delete(code);
    if (!found || found.expiresAt < Date.now()) return undefined;
    return found;
  }

  grant(user: EmulatedUser, clientId: string): RefreshGrant {
    this.counters.authorizationCodeGrants += 1;
    const held = this.activeGrants(user.username, clientId);
    if (held.length >= MAX_APPROVALS) this.revokeGrant(held[0]);
    const grant: RefreshGrant = { token: random('5Aep861', 64), user, clientId, issuedAt: Date.now(), revoked: false };
    this.grants.set(grant.token, grant);
    return grant;
  }

  findGrant(refreshToken: string, clientId: string): RefreshGrant | undefined {
    const grant = this.grants.get(refreshToken);
    return grant && !grant.revoked && grant.clientId === clientId ? grant : undefined;
  }

  /**
   * Under rotation the presented refresh token dies and a new one carries the approval on: the
   * approval's live access tokens stay valid and now die with the new refresh token.
   */
  rotate(grant: RefreshGrant): RefreshGrant | undefined {
    if (!this.rotateRefreshTokens) return undefined;
    grant.revoked = true;
    const next: RefreshGrant = { ...grant, token: random('5Aep861', 64), revoked: false };
    this.grants.set(next.token, next);
    for (const session of this.sessions.values()) if (session.grant === grant) session.grant = next;
    return next;
  }

  openSession(user: EmulatedUser, grant: RefreshGrant | undefined): string {
    if (this.sessions.size + this.codes.size >= this.sweepAt) this.sweepExpired();
    const token = `${user.orgId}!${random('AQ', 72)}`;
    this.sessions.set(token, { user, grant, expiresAt: Date.now() + this.accessTokenTtlMs });
    return token;
  }

  /** Keeps a long-running emulator's memory flat: dead sessions and codes are never asked for again. */
  private sweepExpired() {
    const now = Date.now();
    for (const [token, session] of this.sessions) if (session.expiresAt <= now || session.grant?.revoked) this.sessions.delete(token);
    for (const [code, entry] of this.codes) if (entry.expiresAt < now) this.codes.delete(code);
    // Live entries stay: sweep again only once as many more have come.
    this.sweepAt = Math.max(SWEEP_THRESHOLD, 2 * (this.sessions.size + this.codes.size));
  }

  /** The session behind a bearer token, if it is still alive. */
  session(accessToken: string | undefined): AccessSession | undefined {
    if (!accessToken) return undefined;
    const session = this.sessions.get(accessToken);
    if (!session || session.expiresAt <= Date.now() || session.grant?.revoked) return undefined;
    return session;
  }

  /** Revokes an access or a refresh token; a refresh token takes its access tokens with it. */
  revoke(token: string): void {
    const grant = this.grants.get(token);
    if (grant) this.revokeGrant(grant);
    else this.sessions.delete(token);
  }

  revokeUser(username: string): number {
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (grant.user.username === username && !grant.revoked) {
        this.revokeGrant(grant);
        revoked += 1;
      }
    }
    for (const [token, session] of this.sessions) if (session.user.username === username) this.sessions.delete(token);
    return revoked;
  }

  expireAccessTokens(): void {
    for (const session of this.sessions.values()) session.expiresAt = 0;
  }

  setAccessTokenTtl(ms: number): void {
    this.accessTokenTtlMs = ms;
  }

  activeGrants(username: string, clientId?: string): RefreshGrant[] {
    return [...this.grants.values()]
      .filter((g) => !g.revoked && g.user.username === username && (!clientId || g.clientId === clientId))
      .sort((a, b) => a.issuedAt - b.issuedAt);
  }

  /** Live grants and sessions (codes are short-lived and dropped), to start again with them. */
  dump(): TokenDump {
    const now = Date.now();
    return {
      grants: [...this.grants.values()].filter((g) => !g.revoked).map((g) => ({ token: g.token, username: g.user.username, clientId: g.clientId, issuedAt: g.issuedAt })),
      sessions: [...this.sessions]
        .filter(([, s]) => s.expiresAt > now && !s.grant?.revoked)
        .map(([token, s]) => ({ token, username: s.user.username, grant: s.grant?.token ?? null, expiresAt: s.expiresAt })),
      counters: { ...this.counters },
    };
  }

  /** Grants and sessions saved by `dump`, for the users known now. */
  load(dump: TokenDump, users: EmulatedUser[]): void {
    const byName = new Map(users.map((user) => [user.username, user]));
    for (const g of dump.grants) {
      const user = byName.get(g.username);
      if (user) this.grants.set(g.token, { token: g.token, user, clientId: g.clientId, issuedAt: g.issuedAt, revoked: false });
    }
    for (const s of dump.sessions) {
      const user = byName.get(s.username);
      if (user) this.sessions.set(s.token, { user, grant: s.grant ? this.grants.get(s.grant) : undefined, expiresAt: s.expiresAt });
    }
    Object.assign(this.counters, dump.counters);
  }

  private revokeGrant(grant: RefreshGrant) {
    grant.revoked = true;
    this.counters.revocations += 1;
    for (const [token, session] of this.sessions) if (session.grant === grant) this.sessions.delete(token);
  }
}
