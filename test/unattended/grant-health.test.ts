import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { addInstance } from '../helpers/fixtures.ts';
import { jobEnded, rawId, START_BACKUP } from './helpers.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const TOKEN_EXHAUSTED = `subscription { tokenExhausted { reason message instance { id name status } } }`;
const TOKENS_LOW = `subscription { tokensLow { tokensRemaining instance { id tokensRemaining tokensLow } } }`;
const INSTANCE = `query ($id: ID!) { instance(id: $id) { ... on Instance { name status tokensRemaining grantCheckedAt } } }`;
const START_REAUTHENTICATION = `mutation ($instanceId: ID!) {
  startReauthentication(instanceId: $instanceId) {
    ... on ReauthenticationStarted { approvalWarning approvalsHeld wouldRevoke { id name } }
  }
}`;

const SETTLE_MS = 300;

describe('grant health', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('announces a grant revoked at Salesforce within one check interval, before any job starts', async () => {
    // Checks every 1.2 seconds.
    setup = await startConnectedInstance({ env: { GRANT_CHECK_MINUTES: '0.02' }, emulator: { records: 5 } });
    const { admin, instanceId, emulator, server } = setup;
    const socket = admin.ws();
    const exhausted = admin.subscribeWs(socket, TOKEN_EXHAUSTED);
    await exhausted.opening();
    await sleep(SETTLE_MS);

    const revokedAt = Date.now();
    emulator.revokeAllTokens(emulator.orgs.PRODUCTION.username);
    const [event] = await exhausted.next();
    expect(Date.now() - revokedAt).toBeLessThan(1200 + 1000);
    expect(event.data.tokenExhausted).toMatchObject({
      reason: 'REVOKED_BY_SALESFORCE',
      message: 'expired access/refresh token',
      instance: { id: instanceId, status: 'REAUTH_REQUIRED' },
    });
    expect(await rowsOf(server.app).count('select count(*) as n from jobs')).toBe(0);
    // Announced once, however many checks follow.
    await sleep(1500);
    expect(exhausted.values).toHaveLength(1);
  });

  it('retries a transient failure and never marks the grant dead for it', async () => {
    setup = await startConnectedInstance({ emulator: { records: 5 }, env: { SALESFORCE_RETRY_DELAY_MS: '10' } });
    const { admin, instanceId, emulator, server } = setup;
    emulator.failNext({ path: '/services/oauth2/token', status: 503, count: 2 });
    expect((await server.app.grantChecks.runOnce()).get(rawId(instanceId))).toBe('ACCEPTED');
    const checked = (await admin.query(INSTANCE, { id: instanceId })).instance;
    expect(checked).toMatchObject({ status: 'CONNECTED', tokensRemaining: 5 });
    expect(checked.grantCheckedAt).toBeTypeOf('string');

    emulator.failNext({ path: '/services/oauth2/token', status: 503, count: 20 });
    expect((await server.app.grantChecks.runOnce()).get(rawId(instanceId))).toBe('UNREACHABLE');
    expect((await admin.query(INSTANCE, { id: instanceId })).instance).toMatchObject({ status: 'CONNECTED', tokensRemaining: 5 });
  });

  it("evicts the first instance's grant on a sixth approval of the same user, and says so right after the callback", async () => {
    setup = await startConnectedInstance({ emulator: { records: 5 } });
    const { admin, organisationId, instanceId: first, credentials } = setup;
    const socket = admin.ws();
    const exhausted = admin.subscribeWs(socket, TOKEN_EXHAUSTED);
    await exhausted.opening();
    await sleep(SETTLE_MS);

    const others: string[] = [];
    for (let i = 2; i <= 5; i++) {
      const id = await addInstance(admin, organisationId, 'PRODUCTION', `org ${i}`);
      expect((await reauthenticate(admin, id, credentials)).status).toBe(200);
      others.push(id);
    }
    // The user holds five grants here; reauthenticating the second instance would evict the first's.
    const warning = (await admin.query(START_REAUTHENTICATION, { instanceId: others[0] })).startReauthentication;
    expect(warning).toMatchObject({ approvalsHeld: 5, wouldRevoke: { id: first, name: 'production org' } });
    expect(warning.approvalWarning).toContain('production org');
    expect(exhausted.values).toHaveLength(0);

    const sixth = await addInstance(admin, organisationId, 'PRODUCTION', 'org 6');
    expect((await reauthenticate(admin, sixth, credentials)).status).toBe(200);
    // Checked before completeReauthentication answered.
    expect((await admin.query(INSTANCE, { id: first })).instance.status).toBe('REAUTH_REQUIRED');
    const [event] = await exhausted.next();
    expect(event.data.tokenExhausted).toMatchObject({ reason: 'REVOKED_BY_SALESFORCE', instance: { id: first, status: 'REAUTH_REQUIRED' } });
    for (const id of [...others, sixth]) expect((await admin.query(INSTANCE, { id })).instance.status).toBe('CONNECTED');
  });

  it('pushes tokensLow once, when the tokens left reach TOKEN_WARNING_AT', async () => {
    setup = await startConnectedInstance({ emulator: { records: 5 }, env: { TOKEN_WARNING_AT: '2' } });
    const { admin, instanceId } = setup;
    const socket = admin.ws();
    const low = admin.subscribeWs(socket, TOKENS_LOW);
    await low.opening();
    await sleep(SETTLE_MS);
    for (let i = 0; i < 5; i++) {
      const job = (await admin.query(START_BACKUP, { instanceId })).startBackup;
      await jobEnded(admin, job.id);
      if (i < 2) expect(low.values).toHaveLength(0);
    }
    await sleep(SETTLE_MS);
    expect(low.values).toHaveLength(1);
    expect(low.values[0].data.tokensLow).toEqual({ tokensRemaining: 2, instance: { id: instanceId, tokensRemaining: expect.any(Number), tokensLow: expect.any(Boolean) } });
  });
});
