import { afterEach, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { isFinished, START_BACKUP } from '../helpers/operations.ts';

const JOB_UPDATED = `subscription ($jobId: ID) { jobUpdated(jobId: $jobId) { id status error progress { processed } } }`;
const INSTANCE = `query ($id: ID!) { instance(id: $id) { ... on Instance { status tokensUsed tokensRemaining } } }`;

/**
 * Orgs can rotate refresh tokens: each refresh answers a new one and kills the one it used. The
 * service must keep the newest, whoever refreshed (a job's jsforce connection, or a job start).
 */
describe('refresh-token rotation', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  /** Starts a backup with its jobUpdated subscription already open, so no event is missed. */
  async function start(objects: string[]) {
    const socket = setup!.admin.ws();
    const events = setup!.admin.subscribeWs(socket, JOB_UPDATED);
    await events.opening();
    const started = (await setup!.admin.query(START_BACKUP, { instanceId: setup!.instanceId, objects })).startBackup;
    expect(started.__typename, started.message).toBe('Job');
    const mine = () => events.values.map((v) => v.data!.jobUpdated).filter((job) => job.id === started.id);
    return {
      progressed: () => events.until(() => mine().some((job) => job.progress.processed > 0), 'a stored page', 30_000),
      ended: async () => {
        await events.until(() => mine().some((job) => isFinished(job.status)), `job ${started.id} to end`, 30_000);
        await socket.dispose();
        return mine().at(-1);
      },
    };
  }

  it('keeps the refresh token rotated by a mid-job refresh, so the next job starts', async () => {
    setup = await startConnectedInstance({ emulator: { records: 6000, rotateRefreshTokens: true } });
    const { emulator } = setup;
    emulator.setLatency(100);
    const job = await start(['Account', 'Contact']);
    await job.progressed();
    const refreshes = emulator.counters().refreshGrants;
    emulator.expireAccessTokens();
    emulator.setLatency(0);
    expect(await job.ended()).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(emulator.counters().refreshGrants).toBe(refreshes + 1);

    // The refresh token the service started with is dead now; the next start must use the new one.
    const second = await start(['Account']);
    expect(await second.ended()).toMatchObject({ status: 'SUCCEEDED' });
    expect((await setup.admin.query(INSTANCE, { id: setup.instanceId })).instance).toEqual({
      status: 'CONNECTED',
      tokensUsed: 2,
      tokensRemaining: 3,
    });
  });

  it('lets a running job refresh after another job start rotated the token under it', async () => {
    setup = await startConnectedInstance({ emulator: { records: 6000, rotateRefreshTokens: true } });
    const { emulator } = setup;
    emulator.setLatency(100);
    const job = await start(['Account', 'Contact']);
    await job.progressed();
    // Starting a second job refreshes (and so rotates) the grant's refresh token while the first runs.
    const next = await start(['Account']);
    emulator.expireAccessTokens();
    emulator.setLatency(0);
    expect(await job.ended()).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(await next.ended()).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect((await setup.admin.query(INSTANCE, { id: setup.instanceId })).instance).toMatchObject({ status: 'CONNECTED', tokensUsed: 2 });
  });
});
