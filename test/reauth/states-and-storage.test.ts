import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decrypt } from '../../src/crypto.ts';
import { loadSecretKey } from '../../src/secret-key.ts';
import {
  emulatorEnvironment,
  loginAtSalesforce,
  reauthenticate,
  startConnectedInstance,
  type ConnectedSetup,
} from '../helpers/connected-instance.ts';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer } from '../helpers/server.ts';
import { COMPLETE_REAUTHENTICATION, INSTANCE_STATE, START_BACKUP } from '../helpers/operations.ts';

const START = `mutation ($instanceId: ID!) {
  startReauthentication(instanceId: $instanceId) {
    __typename ... on ReauthenticationStarted { authorizationUrl state expiresAt instance { id } } ... on Error { message }
  }
}`;

function codeAndState(callbackUrl: string) {
  const url = new URL(callbackUrl);
  return { code: url.searchParams.get('code')!, state: url.searchParams.get('state')! };
}

describe('reauthentication states, consent and secrets at rest', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('builds the authorization URL for the instance environment with PKCE, scope, prompt and a single-use state', async () => {
    setup = await startConnectedInstance({ environment: 'SANDBOX' });
    const { admin, instanceId, emulator, server } = setup;
    const started = (await admin.query(START, { instanceId })).startReauthentication;
    const url = new URL(started.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${emulator.orgs.SANDBOX.loginUrl}/services/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: emulator.clientId,
      redirect_uri: `${server.app.publicUrl}/oauth/callback`,
      state: started.state,
      scope: 'api refresh_token',
      prompt: 'login consent',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const lifetime = new Date(started.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(9 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(10 * 60_000);
  });

  it('refuses replayed, expired, unknown and foreign states and changes nothing', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId, server } = setup;
    const before = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;

    // Replayed: the same login confirmed twice.
    const first = await reauthenticate(admin, instanceId, setup.credentials);
    expect(first.status).toBe(200);
    const afterFirst = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    const started = (await admin.query(START, { instanceId })).startReauthentication;
    const callback = await loginAtSalesforce(started.authorizationUrl, setup.credentials);
    const { code, state } = codeAndState(callback);
    const confirmed = (await admin.query(COMPLETE_REAUTHENTICATION, { state, code })).completeReauthentication;
    expect(confirmed).toMatchObject({ __typename: 'Instance', status: 'CONNECTED' });
    const replayedMutation = (await admin.query(COMPLETE_REAUTHENTICATION, { state, code })).completeReauthentication;
    expect(replayedMutation).toEqual({ __typename: 'InvalidState', message: 'This reauthentication was already completed or cancelled' });

    // Expired: a state older than ten minutes.
    const stale = (await admin.query(START, { instanceId })).startReauthentication;
    const staleCallback = await loginAtSalesforce(stale.authorizationUrl, setup.credentials);
    await rowsOf(server.app).run('update oauth_states set expires_at = ? where consumed_at is null', new Date(Date.now() - 1000));
    const expired = (await admin.query(COMPLETE_REAUTHENTICATION, codeAndState(staleCallback))).completeReauthentication;
    expect(expired).toEqual({ __typename: 'InvalidState', message: 'This reauthentication expired: start it again' });

    // Unknown.
    const unknown = (await admin.query(COMPLETE_REAUTHENTICATION, { state: 'made-up', code: 'x' })).completeReauthentication;
    expect(unknown.__typename).toBe('InvalidState');

    // Foreign: another organisation's admin presents a valid state of this one.
    const other = await createOrganisationWithKey(server.operator, 'Globex');
    const pending = (await admin.query(START, { instanceId })).startReauthentication;
    const pendingCallback = await loginAtSalesforce(pending.authorizationUrl, setup.credentials);
    const foreign = (await other.client.query(COMPLETE_REAUTHENTICATION, codeAndState(pendingCallback))).completeReauthentication;
    expect(foreign.__typename).toBe('InvalidState');
    // …and the state is still good for its own organisation.
    const own = (await admin.query(COMPLETE_REAUTHENTICATION, codeAndState(pendingCallback))).completeReauthentication;
    expect(own).toMatchObject({ __typename: 'Instance', status: 'CONNECTED' });

    expect(before.status).toBe('CONNECTED');
    expect(afterFirst.status).toBe('CONNECTED');
  });

  it('leaves the instance as it was when the user denies consent, and spends the state', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId } = setup;
    await admin.query(START_BACKUP, { instanceId });
    const before = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    const denied = await reauthenticate(admin, instanceId, setup.credentials, 'deny');
    expect(denied.status).toBe(200);
    expect(denied.page).toContain('Access not granted');
    expect(denied.page).toContain('end-user denied authorization');
    const after = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(after).toEqual(before);
    const reused = (await admin.query(COMPLETE_REAUTHENTICATION, { state: denied.state, code: 'x' })).completeReauthentication;
    expect(reused.__typename).toBe('InvalidState');
  });

  it('refuses a login to a different Salesforce org than the instance had', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId, server } = setup;
    // The instance remembers the org it was connected to; pretend that was another one.
    await rowsOf(server.app).run('update instances set salesforce_org_id = ?', '00D000000000001AAA');
    const started = (await admin.query(START, { instanceId })).startReauthentication;
    const callback = await loginAtSalesforce(started.authorizationUrl, setup.credentials);
    const result = (await admin.query(COMPLETE_REAUTHENTICATION, codeAndState(callback))).completeReauthentication;
    expect(result).toMatchObject({ __typename: 'WrongSalesforceOrg' });
    expect(result.message).toContain('00D000000000001AAA');
    const state = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(state.salesforceOrgId).toBe('00D000000000001AAA');
  });

  it('keeps the refresh token encrypted, never returns it, and keeps everything across a restart', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId, emulator } = setup;
    let server = setup.server;
    const grant = (await rowsOf(server.app).get<{ refresh_token_ciphertext: string }>('select refresh_token_ciphertext from grants'))!;
    const secretKey = loadSecretKey(server.app.config.secretKey, server.app.config.dataDir);
    const refreshToken = decrypt(secretKey, grant.refresh_token_ciphertext);
    expect(refreshToken.length).toBeGreaterThan(20);

    const everything = JSON.stringify(await admin.query(INSTANCE_STATE, { id: instanceId }));
    expect(everything).not.toContain(refreshToken);

    await admin.query(START_BACKUP, { instanceId });
    const before = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    await server.stop();
    // The file holding the rows, on SQLite: PostgreSQL keeps its files on the database server.
    if (server.app.database.engine === 'sqlite') {
      const files = ['backup.db', 'backup.db-wal'].map((name) => join(server.dataDir, name)).filter((file) => existsSync(file));
      for (const file of files) {
        expect(readFileSync(file).includes(Buffer.from(refreshToken))).toBe(false);
      }
    }

    server = await startTestServer(emulatorEnvironment(emulator), server.dataDir);
    setup.server = server;
    const restarted = server.client(admin.apiKey);
    const after = (await restarted.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(after).toEqual(before);
    // The stored (encrypted) refresh token still works at Salesforce after the restart.
    expect((await restarted.query(START_BACKUP, { instanceId })).startBackup.__typename).toBe('Job');
  });
});
