import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import { INSTANCE_STATE, REAUTH_COMPLETED, START_BACKUP, TOKEN_EXHAUSTED } from '../helpers/operations.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const SUBSCRIPTION_SETTLE_MS = 300;

describe('tokens and reauthentication, end to end', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('connects through the login page, uses five tokens, pushes tokenExhausted once, refuses the sixth job and recovers after reauthentication', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId, server, emulator } = setup;

    const connected = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(connected).toMatchObject({
      status: 'CONNECTED',
      username: emulator.orgs.PRODUCTION.username,
      salesforceOrgId: emulator.orgs.PRODUCTION.orgId,
      tokenLimit: 5,
      tokensUsed: 0,
      tokensRemaining: 5,
    });
    expect(connected.tokens.map((t: { status: string }) => t.status)).toEqual(Array(5).fill('AVAILABLE'));

    const other = await createOrganisationWithKey(server.operator, 'Globex');
    const socket = admin.ws();
    const otherSocket = other.client.ws();
    const exhausted = admin.subscribeWs(socket, TOKEN_EXHAUSTED, { instanceId });
    const completed = admin.subscribeWs(socket, REAUTH_COMPLETED);
    const exhaustedOverSse = admin.subscribeSse(TOKEN_EXHAUSTED);
    const otherExhausted = other.client.subscribeWs(otherSocket, TOKEN_EXHAUSTED);
    const otherCompleted = other.client.subscribeWs(otherSocket, REAUTH_COMPLETED);
    await Promise.all([exhausted.opening(), otherExhausted.opening(), exhaustedOverSse.opening()]);
    await sleep(SUBSCRIPTION_SETTLE_MS);

    const jobs = [];
    for (let i = 0; i < 5; i++) {
      const result = (await admin.query(START_BACKUP, { instanceId })).startBackup;
      expect(result.__typename).toBe('Job');
      jobs.push(result.id);
      if (i < 4) expect(exhausted.values).toHaveLength(0);
    }
    const [event] = await exhausted.next();
    expect(event.data.tokenExhausted).toMatchObject({
      message: 'expired access/refresh token',
      reason: 'LIMIT_REACHED',
      instance: { id: instanceId, status: 'REAUTH_REQUIRED', tokensRemaining: 0 },
    });
    expect((await exhaustedOverSse.next())[0].data.tokenExhausted.reason).toBe('LIMIT_REACHED');

    const sixth = (await admin.query(START_BACKUP, { instanceId })).startBackup;
    expect(sixth).toEqual({
      __typename: 'TokenExpired',
      message: 'expired access/refresh token',
      tokenLimit: 5,
      tokensUsed: 5,
      reason: 'LIMIT_REACHED',
      instance: { id: instanceId, status: 'REAUTH_REQUIRED' },
    });
    const afterRefusal = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(afterRefusal.tokens.map((t: { job: { id: string } | null }) => t.job?.id)).toEqual(jobs);
    expect(await rowsOf(server.app).count('select count(*) as n from jobs')).toBe(5);

    const result = await reauthenticate(admin, instanceId, setup.credentials);
    expect(result.status).toBe(200);
    expect(result.page).toContain('Salesforce access granted');
    const [reauthEvent] = await completed.next();
    expect(reauthEvent.data.reauthCompleted).toMatchObject({ tokensRemaining: 5, instance: { id: instanceId, status: 'CONNECTED' } });

    const reconnected = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(reconnected).toMatchObject({ status: 'CONNECTED', tokensUsed: 0, tokensRemaining: 5 });
    expect((await admin.query(START_BACKUP, { instanceId })).startBackup.__typename).toBe('Job');

    // One exhaustion event in all, and nothing at all for the other organisation.
    await sleep(SUBSCRIPTION_SETTLE_MS);
    expect(exhausted.values).toHaveLength(1);
    expect(otherExhausted.values).toHaveLength(0);
    expect(otherCompleted.values).toHaveLength(0);
    exhaustedOverSse.close();
    await Promise.all([socket.dispose(), otherSocket.dispose()]);
  });

  it('answers TokenExpired with REVOKED_BY_SALESFORCE after an admin revokes the grant at Salesforce', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId, emulator } = setup;
    expect((await admin.query(START_BACKUP, { instanceId })).startBackup.__typename).toBe('Job');

    const socket = admin.ws();
    const exhausted = admin.subscribeWs(socket, TOKEN_EXHAUSTED);
    await exhausted.opening();
    await sleep(SUBSCRIPTION_SETTLE_MS);

    emulator.revokeAllTokens(emulator.orgs.PRODUCTION.username);
    const refused = (await admin.query(START_BACKUP, { instanceId })).startBackup;
    expect(refused).toMatchObject({
      __typename: 'TokenExpired',
      message: 'expired access/refresh token',
      reason: 'REVOKED_BY_SALESFORCE',
      tokensUsed: 1,
      instance: { status: 'REAUTH_REQUIRED' },
    });
    const [event] = await exhausted.next();
    expect(event.data.tokenExhausted).toMatchObject({ reason: 'REVOKED_BY_SALESFORCE', message: 'expired access/refresh token' });

    const state = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(state.tokens.map((t: { status: string }) => t.status)).toEqual(['USED', 'EXPIRED', 'EXPIRED', 'EXPIRED', 'EXPIRED']);

    const again = (await admin.query(START_BACKUP, { instanceId })).startBackup;
    expect(again).toMatchObject({ __typename: 'TokenExpired', reason: 'REVOKED_BY_SALESFORCE' });
    await sleep(SUBSCRIPTION_SETTLE_MS);
    expect(exhausted.values).toHaveLength(1);
    await socket.dispose();
  });

  it('starts exactly five of twenty concurrent backups and never uses a token twice', async () => {
    setup = await startConnectedInstance();
    const { admin, instanceId } = setup;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => admin.query(START_BACKUP, { instanceId }).then((data) => data.startBackup)),
    );
    const started = results.filter((r) => r.__typename === 'Job');
    const refused = results.filter((r) => r.__typename === 'TokenExpired');
    expect(started).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const refusal of refused) expect(refusal.message).toBe('expired access/refresh token');

    const state = (await admin.query(INSTANCE_STATE, { id: instanceId })).instance;
    const tokenJobs = state.tokens.map((t: { job: { id: string } }) => t.job.id).sort();
    expect(tokenJobs).toEqual(started.map((job) => job.id).sort());
    expect(state).toMatchObject({ status: 'REAUTH_REQUIRED', tokensUsed: 5, tokensRemaining: 0 });
  });
});

describe('a long-lived subscription', () => {
  it('reads fresh data for every event, not what its first event loaded', async () => {
    const setup = await startConnectedInstance();
    try {
      const { admin, instanceId } = setup;
      const socket = admin.ws();
      const updates = admin.subscribeWs(socket, `subscription { instanceUpdated { id tokensRemaining tokens { status } } }`);
      await updates.opening();
      await sleep(SUBSCRIPTION_SETTLE_MS);
      await admin.query(START_BACKUP, { instanceId });
      await updates.until(() => updates.values.some((v) => v.data.instanceUpdated.tokensRemaining === 4), 'four tokens left');
      await admin.query(START_BACKUP, { instanceId });
      await updates.until(() => updates.values.some((v) => v.data.instanceUpdated.tokensRemaining === 3), 'three tokens left');
      await socket.dispose();
    } finally {
      await setup.close();
    }
  });
});
