import { createHmac } from 'node:crypto';
import { html, oauthError, escapeHtml } from './http.ts';
import { loginPage } from './login-page.ts';
import { s256, type EmulatedUser, type TokenStore } from './tokens.ts';
import type { EmulatorResponse } from './types.ts';

export interface ConnectedAppRegistration {
  clientId: string;
  clientSecret: string;
}

export interface OrgEndpoints {
  name: string;
  loginUrl: string;
  instanceUrl: string;
  user: EmulatedUser;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname);
  } catch {
    return false;
  }
}

function errorPage(error: string, description: string): EmulatorResponse {
  return html(400, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><main><h1>${escapeHtml(error)}</h1><p>${escapeHtml(description)}</p></main></body></html>`);
}

function redirect(uri: string, params: Record<string, string>): EmulatorResponse {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { status: 302, headers: { location: url.toString() } };
}

/** Salesforce's OAuth 2.0 web-server flow, token endpoint, revocation and identity, for one org. */
export class OAuthEndpoints {
  constructor(
    private readonly app: ConnectedAppRegistration,
    private readonly org: OrgEndpoints,
    private readonly tokens: TokenStore,
  ) {}

  private checkClient(params: URLSearchParams): EmulatorResponse | undefined {
    if (params.get('client_id') !== this.app.clientId) return errorPage('invalid_client_id', 'client identifier invalid');
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!isLoopbackRedirect(redirectUri)) return errorPage('redirect_uri_mismatch', 'redirect_uri must match configuration');
    return undefined;
  }

  authorizePage(params: URLSearchParams): EmulatorResponse {
    const refused = this.checkClient(params);
    if (refused) return refused;
    if (params.get('response_type') !== 'code') return errorPage('unsupported_response_type', 'response type not supported');
    return html(200, loginPage({ orgName: this.org.name, action: `${this.org.loginUrl}/services/oauth2/authorize`, params: Object.fromEntries(params) }));
  }

  /** The login form's submission: Allow with the right password redirects with a code; Deny with an error. */
  authorizeSubmit(form: URLSearchParams): EmulatorResponse {
    const refused = this.checkClient(form);
    if (refused) return refused;
    const redirectUri = form.get('redirect_uri')!;
    const state = form.get('state') ?? '';
    const passThrough = new URLSearchParams(form);
    for (const name of ['username', 'password', 'action']) passThrough.delete(name);
    if (form.get('action') === 'Deny') {
      return redirect(redirectUri, { error: 'access_denied', error_description: 'end-user denied authorization', state });
    }
    const user = this.org.user;
    if (form.get('username') !== user.username || form.get('password') !== user.password) {
      return html(200, loginPage({
        orgName: this.org.name,
        action: `${this.org.loginUrl}/services/oauth2/authorize`,
        params: Object.fromEntries(passThrough),
        error: 'Please check your username and password. If you still can\'t log in, contact your Salesforce administrator.',
      }));
    }
    const code = this.tokens.issueCode(user, this.app.clientId, redirectUri, form.get('code_challenge') || undefined);
    return redirect(redirectUri, { code, state });
  }

  token(form: URLSearchParams): EmulatorResponse {
    if (form.get('client_id') !== this.app.clientId) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
    const secret = form.get('client_secret');
    if (secret !== null && secret !== this.app.clientSecret) return oauthError(400, 'invalid_client', 'invalid client credentials');
    switch (form.get('grant_type')) {
      case 'authorization_code':
        return this.exchangeCode(form);
      case 'refresh_token':
        return this.refresh(form);
      default:
        return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
    }
  }

  private exchangeCode(form: URLSearchParams): EmulatorResponse {
    const code = this.tokens.takeCode(form.get('code') ?? '');
    if (!code || code.clientId !== this.app.clientId) return oauthError(400, 'invalid_grant', 'expired authorization code');
    if (form.get('redirect_uri') !== code.redirectUri) return oauthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
    if (code.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) return oauthError(400, 'invalid_grant', 'invalid code verifier');
      if (s256(verifier) !== code.codeChallenge) return oauthError(400, 'invalid_request', 'invalid code verifier');
    }
    const grant = this.tokens.grant(code.user, this.app.clientId);
    return { status: 200, body: this.tokenBody(this.tokens.openSession(code.user, grant), grant.token) };
  }

  private refresh(form: URLSearchParams): EmulatorResponse {
    const grant = this.tokens.findGrant(form.get('refresh_token') ?? '', this.app.clientId);
    if (!grant) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
    this.tokens.counters.refreshGrants += 1;
    const rotated = this.tokens.rotate(grant);
    const accessToken = this.tokens.openSession(grant.user, rotated ?? grant);
    return { status: 200, body: this.tokenBody(accessToken, rotated?.token) };
  }

  private tokenBody(accessToken: string, refreshToken: string | undefined) {
    const id = `${this.org.loginUrl}/id/${this.org.user.orgId}/${this.org.user.userId}`;
    const issuedAt = String(Date.now());
    return {
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      signature: createHmac('sha256', this.app.clientSecret).update(id + issuedAt).digest('base64'),
      scope: 'api refresh_token',
      instance_url: this.org.instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }

  revoke(form: URLSearchParams): EmulatorResponse {
    const token = form.get('token');
    if (!token) return oauthError(400, 'unsupported_token_type', 'this token type is not supported');
    // Salesforce answers every error condition, an unknown or already revoked token included, with 400.
    if (!this.tokens.revoke(token)) return oauthError(400, 'invalid_token', 'Token was invalid');
    return { status: 200, body: '' };
  }

  identity(userId: string, accessToken: string | undefined): EmulatorResponse {
    const session = this.tokens.session(accessToken);
    const user = this.org.user;
    if (!session || session.user !== user || userId !== user.userId) {
      return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Bad_OAuth_Token' };
    }
    const base = `${this.org.instanceUrl}/services/data/v{version}`;
    return {
      status: 200,
      body: {
        id: `${this.org.loginUrl}/id/${user.orgId}/${user.userId}`,
        asserted_user: true,
        user_id: user.userId,
        organization_id: user.orgId,
        username: user.username,
        nick_name: user.username.split('@')[0],
        display_name: user.displayName,
        email: user.email,
        active: true,
        user_type: 'STANDARD',
        language: 'en_US',
        locale: 'en_US',
        utcOffset: 0,
        urls: {
          enterprise: `${this.org.instanceUrl}/services/Soap/c/{version}/${user.orgId}`,
          rest: `${base}/`,
          sobjects: `${base}/sobjects/`,
          query: `${base}/query/`,
          limits: `${base}/limits/`,
          profile: `${this.org.instanceUrl}/${user.userId}`,
        },
      },
    };
  }
}
