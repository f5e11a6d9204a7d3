import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { loginAtSalesforce } from '../helpers/connected-instance.ts';
import { authorizeWithEmulator, oauth2For, TEST_REDIRECT_URI } from '../helpers/emulator-login.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('emulator OAuth endpoints, one by one', () => {
  let emulator: Emulator;
  let loginUrl: string;
  beforeAll(async () => {
    emulator = await startEmulator({ records: 5 });
    loginUrl = emulator.orgs.PRODUCTION.loginUrl;
  });
  afterAll(() => emulator.close());

  const tokenPost = async (fields: Record<string, string>) => {
    const response = await fetch(`${loginUrl}/services/oauth2/token`, { method: 'POST', headers: FORM, body: new URLSearchParams(fields) });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  };
  const app = () => ({ client_id: emulator.clientId, client_secret: emulator.clientSecret });

  /** A fresh code for the production user, with the verifier jsforce made for it. */
  const freshCode = async () => {
    const oauth2 = oauth2For(emulator);
    const callback = new URL(await loginAtSalesforce(oauth2.getAuthorizationUrl({ state: 'x' }), emulator.orgs.PRODUCTION));
    return { code: callback.searchParams.get('code')!, verifier: oauth2.codeVerifier! };
  };

  it('serves an accessible login page that carries the authorize parameters in hidden fields', async () => {
    const oauth2 = oauth2For(emulator);
    const response = await fetch(oauth2.getAuthorizationUrl({ state: 'st&"<', scope: 'api refresh_token' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/<label for="username">[^<]+<\/label>\s*<input id="username" name="username"/);
    expect(page).toMatch(/<label for="password">[^<]+<\/label>\s*<input id="password" name="password" type="password"/);
    expect(page).toMatch(/<button type="submit" name="action" value="Allow">Allow<\/button>/);
    expect(page).toMatch(/<button type="submit" name="action" value="Deny"[^>]*>Deny<\/button>/);
    for (const name of ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge']) {
      expect(page).toMatch(new RegExp(`<input type="hidden" name="${name}" value="[^"]+">`));
    }
    expect(page).toContain('value="st&amp;&quot;&lt;"');
  });

  it('keeps the user on the page with an alert after a wrong password, state still in the form', async () => {
    const oauth2 = oauth2For(emulator);
    const params = Object.fromEntries(new URL(oauth2.getAuthorizationUrl({ state: 'keep-me' })).searchParams);
    const response = await fetch(`${loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ ...params, username: 'admin@prod.example.com', password: 'nope', action: 'Allow' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    const page = await response.text();
    expect(page).toMatch(/role="alert">Please check your username and password/);
    expect(page).toContain('name="state" value="keep-me"');
    expect(page).not.toContain('value="nope"');
  });

  it('shows an error page without redirecting for an unknown client or a redirect URI off loopback', async () => {
    const unknownClient = new jsforce.OAuth2({ loginUrl, clientId: 'someone-else', redirectUri: TEST_REDIRECT_URI });
    const refusedClient = await fetch(unknownClient.getAuthorizationUrl({ state: 's' }), { redirect: 'manual' });
    expect(refusedClient.status).toBe(400);
    expect(refusedClient.headers.get('location')).toBeNull();
    expect(await refusedClient.text()).toContain('invalid_client_id');

    for (const redirectUri of ['http://example.com/cb', 'http://127.0.0.1.example.com/cb', 'not a url']) {
      const foreign = new jsforce.OAuth2({ loginUrl, clientId: emulator.clientId, redirectUri });
      const refused = await fetch(foreign.getAuthorizationUrl({ state: 's' }), { redirect: 'manual' });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(await refused.text()).toContain('redirect_uri_mismatch');
    }
    for (const redirectUri of ['http://127.0.0.1:9/cb', 'http://[::1]:9/cb', 'https://localhost/cb']) {
      const loopback = new jsforce.OAuth2({ loginUrl, clientId: emulator.clientId, redirectUri });
      expect((await fetch(loopback.getAuthorizationUrl({ state: 's' }))).status).toBe(200);
    }
  });

  it('answers Salesforce token shapes: signed, ms issued_at, no expires_in, identity URL on the login host', async () => {
    const { code, verifier } = await freshCode();
    expect(verifier.length).toBeGreaterThan(128); // jsforce's verifier is longer than RFC 7636 allows
    const { status, type, body } = await tokenPost({ grant_type: 'authorization_code', code, redirect_uri: TEST_REDIRECT_URI, code_verifier: verifier, ...app() });
    expect(status).toBe(200);
    expect(type).toBe('application/json;charset=UTF-8');
    expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'refresh_token', 'scope', 'signature', 'token_type']);
    const org = emulator.orgs.PRODUCTION;
    expect(body.id).toBe(`${org.loginUrl}/id/${org.orgId}/${org.userId}`);
    expect(body.signature).toBe(createHmac('sha256', emulator.clientSecret).update(body.id + body.issued_at).digest('base64'));

    // jsforce sends the verifier with refreshes too.
    const refreshed = await tokenPost({ grant_type: 'refresh_token', refresh_token: body.refresh_token, code_verifier: verifier, ...app() });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).not.toHaveProperty('refresh_token');
    expect(refreshed.body.signature).toBe(createHmac('sha256', emulator.clientSecret).update(refreshed.body.id + refreshed.body.issued_at).digest('base64'));
  });

  it('refuses bad token requests with the OAuth error codes Salesforce uses', async () => {
    const expectError = async (fields: Record<string, string>, error: string, description?: string) => {
      const { status, body } = await tokenPost(fields);
      expect(status).toBe(400);
      expect(body.error).toBe(error);
      if (description) expect(body.error_description).toBe(description);
    };
    const { code, verifier } = await freshCode();
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: TEST_REDIRECT_URI, code_verifier: verifier };
    await expectError({ ...exchange, client_id: 'nobody' }, 'invalid_client_id', 'client identifier invalid');
    await expectError({ grant_type: 'refresh_token', refresh_token: 'x', client_id: emulator.clientId, client_secret: 'wrong' }, 'invalid_client', 'invalid client credentials');
    await expectError({ grant_type: 'password', username: 'u', password: 'p', ...app() }, 'unsupported_grant_type');
    await expectError({ grant_type: 'refresh_token', refresh_token: 'made-up', ...app() }, 'invalid_grant', 'expired access/refresh token');

    const missingVerifier = await freshCode();
    await expectError({ ...exchange, code: missingVerifier.code, code_verifier: '', ...app() }, 'invalid_grant');
    const wrongRedirect = await freshCode();
    await expectError({ ...exchange, code: wrongRedirect.code, code_verifier: wrongRedirect.verifier, redirect_uri: 'http://localhost:1/other', ...app() }, 'redirect_uri_mismatch');
    // The code died with the first attempt, whatever its outcome.
    await expectError({ ...exchange, code: wrongRedirect.code, code_verifier: wrongRedirect.verifier, ...app() }, 'invalid_grant', 'expired authorization code');
  });

  it('lets authorization codes expire after ten minutes', async () => {
    const { code, verifier } = await freshCode();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60 * 1000 + 1000 });
    try {
      const { status, body } = await tokenPost({ grant_type: 'authorization_code', code, redirect_uri: TEST_REDIRECT_URI, code_verifier: verifier, ...app() });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_grant', error_description: 'expired authorization code' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('serves identity to a valid token and 403 Bad_OAuth_Token as text to any other', async () => {
    const grant = await authorizeWithEmulator(emulator);
    const ok = await fetch(grant.id, { headers: { authorization: `Bearer ${grant.accessToken}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      user_id: emulator.orgs.PRODUCTION.userId,
      organization_id: emulator.orgs.PRODUCTION.orgId,
      username: 'admin@prod.example.com',
      active: true,
      user_type: 'STANDARD',
      urls: { rest: expect.stringContaining('/services/data/v{version}/') },
    });
    const bad = await fetch(grant.id, { headers: { authorization: 'Bearer nonsense' } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await bad.text()).toBe('Bad_OAuth_Token');
  });

  it('revokes an access token alone, or a refresh token with its access tokens', async () => {
    const revoke = (token: string) => fetch(`${loginUrl}/services/oauth2/revoke`, { method: 'POST', headers: FORM, body: new URLSearchParams({ token }) });
    const limits = (grant: { instanceUrl: string }, accessToken: string) =>
      fetch(`${grant.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);

    const grant = await authorizeWithEmulator(emulator);
    expect(await limits(grant, grant.accessToken)).toBe(200);
    const revokedAccess = await revoke(grant.accessToken);
    expect(revokedAccess.status).toBe(200);
    expect(await revokedAccess.text()).toBe('');
    expect(await limits(grant, grant.accessToken)).toBe(401);
    const again = await tokenPost({ grant_type: 'refresh_token', refresh_token: grant.refreshToken, ...app() });
    expect(again.status).toBe(200);

    expect((await revoke(grant.refreshToken)).status).toBe(200);
    expect(await limits(grant, again.body.access_token)).toBe(401);
    expect((await tokenPost({ grant_type: 'refresh_token', refresh_token: grant.refreshToken, ...app() })).body.error_description).toBe(
      'expired access/refresh token',
    );
  });

  it('keeps five approvals per user: the sixth evicts the oldest refresh token and its sessions', async () => {
    const own = await startEmulator({ records: 1 });
    try {
      const grants = [];
      for (let i = 0; i < 5; i++) grants.push(await authorizeWithEmulator(own));
      expect(own.counters().orgs.PRODUCTION.approvalsHeld).toBe(5);
      // Refreshes add no approval; the other org's user keeps its own count.
      await oauth2For(own, 'PRODUCTION', false).refreshToken(grants[1].refreshToken);
      await authorizeWithEmulator(own, 'SANDBOX');
      expect(own.counters().orgs.PRODUCTION.approvalsHeld).toBe(5);
      expect(own.counters().orgs.SANDBOX.approvalsHeld).toBe(1);

      await authorizeWithEmulator(own);
      expect(own.counters().orgs.PRODUCTION.approvalsHeld).toBe(5);
      const evicted = new jsforce.Connection({ instanceUrl: grants[0].instanceUrl, accessToken: grants[0].accessToken, version: '62.0' });
      await expect(evicted.query('SELECT Id FROM Account')).rejects.toMatchObject({ name: 'INVALID_SESSION_ID' });
      await expect(oauth2For(own, 'PRODUCTION', false).refreshToken(grants[0].refreshToken)).rejects.toMatchObject({
        name: 'invalid_grant',
        message: 'expired access/refresh token',
      });
      await expect(oauth2For(own, 'PRODUCTION', false).refreshToken(grants[1].refreshToken)).resolves.toHaveProperty('access_token');
    } finally {
      await own.close();
    }
  });
});

describe('emulator refresh-token rotation', () => {
  it('answers a new refresh token per refresh, kills the used one, and keeps the approval and its live sessions', async () => {
    const emulator = await startEmulator({ records: 2, rotateRefreshTokens: true });
    try {
      const grant = await authorizeWithEmulator(emulator);
      const oauth2 = oauth2For(emulator, 'PRODUCTION', false);
      const first = await oauth2.refreshToken(grant.refreshToken);
      const second = await oauth2.refreshToken(first.refresh_token!);
      expect(new Set([grant.refreshToken, first.refresh_token, second.refresh_token]).size).toBe(3);
      for (const used of [grant.refreshToken, first.refresh_token!]) {
        await expect(oauth2.refreshToken(used)).rejects.toMatchObject({ name: 'invalid_grant', message: 'expired access/refresh token' });
      }
      expect(emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(1);

      const status = (accessToken: string) =>
        fetch(`${grant.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);
      expect(await status(grant.accessToken)).toBe(200);
      expect(await status(first.access_token)).toBe(200);
      // The approval's access tokens die with its newest refresh token.
      await oauth2.revokeToken(second.refresh_token!);
      expect(await status(grant.accessToken)).toBe(401);
      expect(await status(second.access_token)).toBe(401);
      expect(emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});

describe('emulator access token lifetime and the data API entrance', () => {
  it('expires access tokens after accessTokenTtlSeconds; jsforce refreshes and replays transparently', async () => {
    const emulator = await startEmulator({ records: 5, accessTokenTtlSeconds: 0.3 });
    try {
      const grant = await authorizeWithEmulator(emulator);
      const connection = new jsforce.Connection({ oauth2: oauth2For(emulator, 'PRODUCTION', false), ...grant, version: '62.0' });
      const refreshed: string[] = [];
      connection.on('refresh', (accessToken: string) => refreshed.push(accessToken));
      expect((await connection.query('SELECT Id FROM Account')).totalSize).toBe(5);
      await sleep(400);
      expect((await connection.query('SELECT Id FROM Account')).totalSize).toBe(5);
      expect(refreshed).toHaveLength(1);
      expect(connection.accessToken).toBe(refreshed[0]);
      expect(emulator.counters().refreshGrants).toBe(1);
    } finally {
      await emulator.close();
    }
  });

  it('lists versions, serves the version root, and refuses a token of the other org', async () => {
    const emulator = await startEmulator({ records: 5 });
    try {
      const production = await authorizeWithEmulator(emulator, 'PRODUCTION');
      const sandbox = await authorizeWithEmulator(emulator, 'SANDBOX');
      expect(production.instanceUrl).not.toBe(sandbox.instanceUrl);

      const versions = await fetch(`${production.instanceUrl}/services/data`);
      expect(versions.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(await versions.json()).toContainEqual({ label: 'v62.0', url: '/services/data/v62.0', version: '62.0' });

      const root = await fetch(`${production.instanceUrl}/services/data/v61.0`, { headers: { authorization: `Bearer ${production.accessToken}` } });
      expect(root.headers.get('sforce-limit-info')).toBe('api-usage=1/15000');
      expect(await root.json()).toMatchObject({
        identity: production.id,
        sobjects: '/services/data/v61.0/sobjects',
        query: '/services/data/v61.0/query',
        queryAll: '/services/data/v61.0/queryAll',
        limits: '/services/data/v61.0/limits',
      });

      const crossed = await fetch(`${production.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } });
      expect(crossed.status).toBe(401);
      expect(await crossed.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      expect(emulator.counters().orgs.SANDBOX.apiCalls).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});
