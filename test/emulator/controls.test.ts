import { networkInterfaces } from 'node:os';
import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { authorizeWithEmulator, oauth2For, type EmulatorGrant } from '../helpers/emulator-login.ts';

describe('emulator control endpoints over HTTP', () => {
  let emulator: Emulator;
  let grant: EmulatorGrant;
  let connection: jsforce.Connection;
  beforeEach(async () => {
    emulator = await startEmulator({ records: 10 });
    grant = await authorizeWithEmulator(emulator);
    connection = new jsforce.Connection({ oauth2: oauth2For(emulator, 'PRODUCTION', false), ...grant, version: '62.0' });
  });
  afterEach(() => emulator.close());

  const control = async (action: string, body?: unknown) => {
    const response = await fetch(`${emulator.url}/__emulator/${action}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  };

  it('reads counters: grants, refreshes, approvals, API calls and records per object, per org', async () => {
    await connection.query('SELECT Id FROM Contact');
    const { status, type, body } = await control('counters');
    expect(status).toBe(200);
    expect(type).toBe('application/json;charset=UTF-8');
    expect(body).toMatchObject({ authorizationCodeGrants: 1, refreshGrants: 0 });
    expect(body.orgs.PRODUCTION).toMatchObject({ username: 'admin@prod.example.com', apiCalls: 1, dailyApiLimit: 15000, approvalsHeld: 1 });
    expect(body.orgs.PRODUCTION.records).toMatchObject({ Account: 10, Contact: 10, Opportunity: 10, Case: 10, Invoice__c: 10 });
    expect(body.orgs.SANDBOX).toMatchObject({ username: 'admin@sandbox.example.com', apiCalls: 0, approvalsHeld: 0 });
  });

  it('fails the next N matching requests of one org, by regular expression, with the given status and body', async () => {
    const sandbox = await authorizeWithEmulator(emulator, 'SANDBOX');
    const sandboxConnection = new jsforce.Connection({ instanceUrl: sandbox.instanceUrl, accessToken: sandbox.accessToken, version: '62.0' });
    const rule = { method: 'get', path: '^/services/data/v[\\d.]+/sobjects/\\w+/describe$', count: 2, status: 400, body: [{ message: 'Nope', errorCode: 'QUERY_TIMEOUT' }], environment: 'SANDBOX' };
    expect((await control('fail-next', rule)).body).toEqual({ ok: true });

    await expect(connection.sobject('Account').describe()).resolves.toHaveProperty('name', 'Account');
    await expect(sandboxConnection.sobject('Account').describe()).rejects.toMatchObject({ name: 'QUERY_TIMEOUT', message: 'Nope' });
    await expect(sandboxConnection.sobject('Contact').describe()).rejects.toMatchObject({ name: 'QUERY_TIMEOUT' });
    await expect(sandboxConnection.sobject('Contact').describe()).resolves.toHaveProperty('name', 'Contact');
  });

  it('can fail the token endpoint, so jsforce cannot refresh an expired session', async () => {
    await control('fail-next', { method: 'POST', path: '/services/oauth2/token', status: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } });
    await control('expire-access-tokens', {});
    await expect(connection.query('SELECT Id FROM Account')).rejects.toThrow('Unable to refresh session due to: expired access/refresh token');
    // The rule was used up: the next refresh goes through.
    await expect(connection.query('SELECT Id FROM Account')).resolves.toHaveProperty('totalSize', 10);
  });

  it('refuses malformed control input with 400 and unknown controls with 404', async () => {
    expect((await control('fail-next', { path: '/x', status: 'soon' })).status).toBe(400);
    expect((await control('fail-next', { path: '^([', status: 500 })).body[0].message).toMatch(/regular expression/);
    expect((await control('fail-next', { path: '/x', status: 500, count: 0 })).status).toBe(400);
    expect((await control('fail-next', { path: '/x', status: 500, environment: 'QA' })).status).toBe(400);
    expect((await control('latency', { ms: -1 })).status).toBe(400);
    expect((await control('revoke-user', {})).status).toBe(400);
    expect((await control('api-limit', '{not json')).status).toBe(400);
    expect((await control('teleport', {})).status).toBe(404);
    expect(() => emulator.failNext({ path: '/x', status: 42 })).toThrow(/status/);
  });

  it('expires every access token on demand; jsforce refreshes once and replays', async () => {
    await control('expire-access-tokens', {});
    const raw = await fetch(`${grant.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${grant.accessToken}` } });
    expect(raw.status).toBe(401);
    await expect(connection.query('SELECT Id FROM Account')).resolves.toHaveProperty('totalSize', 10);
    expect((await control('counters')).body.refreshGrants).toBe(1);
  });

  it("revokes every token of a user as an admin would; jsforce then fails with the seed's message", async () => {
    const second = await authorizeWithEmulator(emulator);
    expect((await control('revoke-user', { username: 'admin@prod.example.com' })).body).toEqual({ revoked: 2 });
    await expect(connection.query('SELECT Id FROM Account')).rejects.toThrow('Unable to refresh session due to: expired access/refresh token');
    const other = new jsforce.Connection({ instanceUrl: second.instanceUrl, accessToken: second.accessToken, version: '62.0' });
    await expect(other.query('SELECT Id FROM Account')).rejects.toMatchObject({ name: 'INVALID_SESSION_ID' });
    expect((await control('counters')).body.orgs.PRODUCTION.approvalsHeld).toBe(0);
  });

  it('adds latency to every request until reset', async () => {
    await control('latency', { ms: 150 });
    let started = performance.now();
    await connection.query('SELECT Id FROM Account LIMIT 1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await control('reset-faults', {});
    started = performance.now();
    await connection.query('SELECT Id FROM Account LIMIT 1');
    expect(performance.now() - started).toBeLessThan(140);
  });

  it('sets the daily API limit and resets the usage, as a new day would', async () => {
    await control('api-limit', { max: 3, used: 2 });
    const response = await fetch(`${grant.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${grant.accessToken}` } });
    expect(response.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    expect((await response.json()).DailyApiRequests).toEqual({ Max: 3, Remaining: 0 });

    const refused = await fetch(`${grant.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${grant.accessToken}` } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    expect(await refused.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);

    await control('reset-api-usage', {});
    await expect(connection.query('SELECT Id FROM Account LIMIT 1')).resolves.toHaveProperty('totalSize', 1);
    expect((await control('counters')).body.orgs.PRODUCTION.apiCalls).toBe(1);
  });
});

describe('emulator controls from other hosts', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

  it.skipIf(!external)('refuse clients that are not on loopback, while the API still answers them', async () => {
    const emulator = await startEmulator({ records: 1, host: '0.0.0.0' });
    try {
      expect(emulator.orgs.PRODUCTION.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(emulator.url).port;
      const remote = await fetch(`http://${external}:${port}/__emulator/counters`);
      expect(remote.status).toBe(403);
      expect((await remote.json())[0].errorCode).toBe('FORBIDDEN');
      expect((await fetch(`http://${external}:${port}/services/data`)).status).toBe(200);
      expect((await fetch(`${emulator.url}/__emulator/counters`)).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});

describe('emulator data seeding', () => {
  it('gives each seed its own data, the same for the same seed, and different data to each org', async () => {
    const names = async (seed: number | undefined) => {
      const emulator = await startEmulator({ records: 3, seed });
      try {
        const result: string[] = [];
        for (const environment of ['PRODUCTION', 'SANDBOX'] as const) {
          const grant = await authorizeWithEmulator(emulator, environment);
          const connection = new jsforce.Connection({ instanceUrl: grant.instanceUrl, accessToken: grant.accessToken, version: '62.0' });
          const page = await connection.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Id');
          result.push(page.records.map((record) => record.Name).join('|'));
        }
        return result;
      } finally {
        await emulator.close();
      }
    };
    const [first, again, other] = [await names(7), await names(7), await names(8)];
    expect(again).toEqual(first);
    expect(first[0]).not.toBe(first[1]);
    expect(other[0]).not.toBe(first[0]);
  });
});
