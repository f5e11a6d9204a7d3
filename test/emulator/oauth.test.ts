import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { loginAtSalesforce } from '../helpers/connected-instance.ts';
import { authorizeJsforce, oauth2For, TEST_REDIRECT_URI } from '../helpers/emulator-login.ts';

describe('emulator OAuth through jsforce', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ records: 20 });
  });
  afterEach(() => emulator.close());

  it('runs the web-server flow with PKCE and returns Salesforce token and identity shapes', async () => {
    const oauth2 = oauth2For(emulator, 'SANDBOX');
    const authorizationUrl = oauth2.getAuthorizationUrl({ state: 's1', scope: 'api refresh_token' });
    const callback = new URL(await loginAtSalesforce(authorizationUrl, emulator.orgs.SANDBOX));
    expect(`${callback.origin}${callback.pathname}`).toBe(TEST_REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('s1');
    expect(callback.searchParams.get('code')).toMatch(/==$/);

    const token = await oauth2.requestToken(callback.searchParams.get('code')!);
    expect(token).toMatchObject({
      token_type: 'Bearer',
      scope: 'api refresh_token',
      instance_url: emulator.orgs.SANDBOX.instanceUrl,
      id: `${emulator.orgs.SANDBOX.loginUrl}/id/${emulator.orgs.SANDBOX.orgId}/${emulator.orgs.SANDBOX.userId}`,
    });
    expect(token.access_token).toMatch(new RegExp(`^${emulator.orgs.SANDBOX.orgId}!`));
    expect(token.refresh_token).toBeTypeOf('string');
    expect(token.issued_at).toMatch(/^\d{13}$/);
    expect(token).not.toHaveProperty('expires_in');

    const connection = new jsforce.Connection({ instanceUrl: token.instance_url, accessToken: token.access_token, version: '62.0' });
    const identity = await connection.identity();
    expect(identity).toMatchObject({ username: 'admin@sandbox.example.com', organization_id: emulator.orgs.SANDBOX.orgId });
  });

  it('refuses codes that are reused, a wrong PKCE verifier, a wrong password and foreign redirect URIs', async () => {
    const oauth2 = oauth2For(emulator);
    const callback = new URL(await loginAtSalesforce(oauth2.getAuthorizationUrl({ state: 's' }), emulator.orgs.PRODUCTION));
    const code = callback.searchParams.get('code')!;
    await oauth2.requestToken(code);
    await expect(oauth2.requestToken(code)).rejects.toMatchObject({ name: 'invalid_grant', message: 'expired authorization code' });

    const other = new URL(await loginAtSalesforce(oauth2.getAuthorizationUrl({ state: 's' }), emulator.orgs.PRODUCTION));
    const wrongVerifier = oauth2For(emulator); // a different verifier than the challenge was made from
    await expect(wrongVerifier.requestToken(other.searchParams.get('code')!)).rejects.toMatchObject({ name: 'invalid_request' });

    const page = await fetch(oauth2.getAuthorizationUrl({ state: 's' }));
    const form = new URLSearchParams({ ...Object.fromEntries(new URL(oauth2.getAuthorizationUrl({ state: 's' })).searchParams), username: 'admin@prod.example.com', password: 'wrong', action: 'Allow' });
    expect(page.status).toBe(200);
    const wrongPassword = await fetch(`${emulator.orgs.PRODUCTION.loginUrl}/services/oauth2/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(wrongPassword.status).toBe(200);
    expect(await wrongPassword.text()).toContain('Please check your username and password');

    const foreign = new jsforce.OAuth2({ loginUrl: emulator.orgs.PRODUCTION.loginUrl, clientId: emulator.clientId, redirectUri: 'https://evil.example.com/cb' });
    const refused = await fetch(foreign.getAuthorizationUrl({ state: 's' }), { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('redirect_uri_mismatch');
  });

  it('redirects with access_denied when the user denies consent', async () => {
    const oauth2 = oauth2For(emulator);
    const callback = new URL(await loginAtSalesforce(oauth2.getAuthorizationUrl({ state: 'deny-me' }), emulator.orgs.PRODUCTION, 'deny'));
    expect(Object.fromEntries(callback.searchParams)).toEqual({ error: 'access_denied', error_description: 'end-user denied authorization', state: 'deny-me' });
  });

  it('refreshes, revokes, and evicts the oldest of six approvals so jsforce fails with expired access/refresh token', async () => {
    const first = await authorizeJsforce(emulator);
    const firstRefresh = first.refreshToken!;
    const refreshed = await oauth2For(emulator, 'PRODUCTION', false).refreshToken(firstRefresh);
    expect(refreshed.access_token).toBeTypeOf('string');
    expect(refreshed).not.toHaveProperty('refresh_token');

    for (let i = 0; i < 5; i++) await authorizeJsforce(emulator);
    expect(emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(5);

    await expect(oauth2For(emulator, 'PRODUCTION', false).refreshToken(firstRefresh)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'expired access/refresh token',
    });
    // jsforce's own refresh path, on a 401, reports the same reason.
    const stale = new jsforce.Connection({
      oauth2: oauth2For(emulator, 'PRODUCTION', false),
      instanceUrl: first.instanceUrl,
      accessToken: 'expired',
      refreshToken: firstRefresh,
      version: '62.0',
    });
    await expect(stale.query('SELECT Id FROM Account')).rejects.toThrow('Unable to refresh session due to: expired access/refresh token');

    const last = await authorizeJsforce(emulator);
    await oauth2For(emulator, 'PRODUCTION', false).revokeToken(last.refreshToken!);
    await expect(last.query('SELECT Id FROM Account')).rejects.toThrow(/Unable to refresh session|INVALID_SESSION_ID/);
  });

  it('lets jsforce refresh an expired session once for parallel 401s and replay the requests', async () => {
    const connection = await authorizeJsforce(emulator);
    let refreshEvents = 0;
    connection.on('refresh', () => (refreshEvents += 1));
    const before = emulator.counters().refreshGrants;
    emulator.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 5 }, () => connection.query('SELECT Id FROM Account LIMIT 3')));
    expect(results.every((r) => r.records.length === 3)).toBe(true);
    expect(emulator.counters().refreshGrants - before).toBe(1);
    expect(refreshEvents).toBe(1);
  });

  it('rotates refresh tokens when the org asks for it', async () => {
    const rotating = await startEmulator({ records: 5, rotateRefreshTokens: true });
    try {
      const connection = await authorizeJsforce(rotating);
      const oauth2 = oauth2For(rotating, 'PRODUCTION', false);
      const next = await oauth2.refreshToken(connection.refreshToken!);
      expect(next.refresh_token).toBeTypeOf('string');
      await expect(oauth2.refreshToken(connection.refreshToken!)).rejects.toMatchObject({ name: 'invalid_grant' });
      await expect(oauth2.refreshToken(next.refresh_token!)).resolves.toHaveProperty('access_token');
    } finally {
      await rotating.close();
    }
  });
});

describe('emulator limits and faults', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ records: 20 });
  });
  afterEach(() => emulator.close());

  it('counts API calls, reports them in Sforce-Limit-Info and /limits, and answers REQUEST_LIMIT_EXCEEDED past the limit', async () => {
    const connection = await authorizeJsforce(emulator);
    emulator.setDailyApiLimit(4, 0);
    const response = await fetch(`${connection.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${connection.accessToken}` } });
    expect(response.headers.get('sforce-limit-info')).toBe('api-usage=1/4');
    expect((await response.json()).DailyApiRequests).toEqual({ Max: 4, Remaining: 3 });
    await connection.query('SELECT Id FROM Account LIMIT 1');
    await connection.query('SELECT Id FROM Account LIMIT 1');
    await connection.query('SELECT Id FROM Account LIMIT 1');
    await expect(connection.query('SELECT Id FROM Account LIMIT 1')).rejects.toMatchObject({ name: 'REQUEST_LIMIT_EXCEEDED' });
    expect(emulator.counters().orgs.PRODUCTION.apiCalls).toBe(4);
  });

  it('fails the next matching requests as told, then serves normally', async () => {
    const connection = await authorizeJsforce(emulator);
    emulator.failNext({
      method: 'POST',
      path: '/services/data/v62.0/composite/sobjects',
      count: 2,
      status: 503,
      body: [{ message: 'Server unavailable', errorCode: 'SERVER_UNAVAILABLE' }],
    });
    const records = [{ Name: 'Fault test' }];
    await expect(connection.sobject('Account').create(records)).rejects.toMatchObject({ name: 'SERVER_UNAVAILABLE' });
    await expect(connection.sobject('Account').create(records)).rejects.toMatchObject({ name: 'SERVER_UNAVAILABLE' });
    const created = await connection.sobject('Account').create(records);
    expect(created[0]).toMatchObject({ success: true });

    const control = await fetch(`${emulator.url}/__emulator/counters`);
    expect((await control.json()).orgs.PRODUCTION.records.Account).toBe(21);
  });

  it('refuses data calls without a valid session with INVALID_SESSION_ID', async () => {
    const connection = new jsforce.Connection({ instanceUrl: emulator.orgs.PRODUCTION.instanceUrl, accessToken: 'bogus', version: '62.0' });
    await expect(connection.query('SELECT Id FROM Account')).rejects.toMatchObject({ name: 'INVALID_SESSION_ID' });
  });
});
