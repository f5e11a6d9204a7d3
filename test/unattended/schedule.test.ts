import { afterEach, describe, expect, it } from 'vitest';
import { globalId } from '../../schema/ids.ts';
import { emulatorEnvironment, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer } from '../helpers/server.ts';
import { FakeClock, HOUR, jobEnded, SCHEDULE_STATE, SET_POLICY, START_BACKUP } from './helpers.ts';

const scheduledRunCount = (setup: ConnectedSetup) => rowsOf(setup.server.app).count('select count(*) as n from scheduled_runs');

describe('scheduled backups', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('runs a 12-hour policy twice in a day, spending no token', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 5 } });
    const { admin, instanceId, server } = setup;

    const set = (await admin.query(SET_POLICY, { instanceId, frequency: 'EVERY_12_HOURS' })).setBackupPolicy;
    expect(set).toMatchObject({ __typename: 'Instance', nextBackupAt: '2026-01-05T00:00:00.000Z', policy: { frequency: 'EVERY_12_HOURS', objects: [], enabled: true } });

    const started: string[] = [];
    // Every 15 minutes of one day.
    for (let step = 0; step < 96; step++) {
      for (const run of await server.app.scheduler.tick()) {
        expect(run.outcome).toBe('STARTED');
        started.push(clock.now().toISOString());
        expect((await jobEnded(admin, (await admin.query(SCHEDULE_STATE, { id: instanceId })).instance.lastScheduledRun.job.id)).status).toBe('SUCCEEDED');
      }
      clock.advance(HOUR / 4);
    }
    expect(started).toEqual(['2026-01-05T00:00:00.000Z', '2026-01-05T12:00:00.000Z']);
    const state = (await admin.query(SCHEDULE_STATE, { id: instanceId })).instance;
    expect(state).toMatchObject({ status: 'CONNECTED', tokensRemaining: 5, nextBackupAt: '2026-01-06T00:00:00.000Z' });
    expect(state.scheduledRuns.nodes.map((run: { scheduledFor: string; job: { status: string } }) => [run.scheduledFor, run.job.status])).toEqual([
      ['2026-01-05T12:00:00.000Z', 'SUCCEEDED'],
      ['2026-01-05T00:00:00.000Z', 'SUCCEEDED'],
    ]);
  });

  it('runs once after a restart that missed three runs', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 5 } });
    const { admin, instanceId, emulator } = setup;
    await admin.query(SET_POLICY, { instanceId, frequency: 'EVERY_12_HOURS' });
    const [first] = await setup.server.app.scheduler.tick();
    await jobEnded(admin, globalId('Job', first.jobId!));

    // Down until 01:00 two days later: the slots of the 5th at 12:00, the 6th at 00:00 and 12:00 were missed.
    const { dataDir, url } = setup.server;
    await setup.server.stop();
    clock.set('2026-01-07T01:00:00Z');
    const restarted = await startTestServer(
      emulatorEnvironment(emulator),
      dataDir,
      { clock },
    );
    setup.server = restarted;
    const client = restarted.client(admin.apiKey);
    expect(url).not.toBe('');

    const runs = await restarted.app.scheduler.tick();
    expect(runs).toHaveLength(1);
    // The run due first is the one that runs, once.
    expect(runs[0].scheduledFor.toISOString()).toBe('2026-01-05T12:00:00.000Z');
    expect(await restarted.app.scheduler.tick()).toEqual([]);
    await jobEnded(client, globalId('Job', runs[0].jobId!));
    expect(await scheduledRunCount(setup)).toBe(2);
    expect((await client.query(SCHEDULE_STATE, { id: instanceId })).instance.nextBackupAt).toBe('2026-01-07T12:00:00.000Z');
  });

  it('refuses an initiated backup once the tokens are spent while the scheduled one runs', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 5 } });
    const { admin, instanceId, server } = setup;
    for (let i = 0; i < 5; i++) {
      const job = (await admin.query(START_BACKUP, { instanceId })).startBackup;
      expect(job.__typename).toBe('Job');
      await jobEnded(admin, job.id);
    }
    expect((await admin.query(START_BACKUP, { instanceId })).startBackup).toMatchObject({ __typename: 'TokenExpired', reason: 'LIMIT_REACHED', tokensUsed: 5 });

    await admin.query(SET_POLICY, { instanceId, frequency: 'EVERY_24_HOURS', objects: ['Account'] });
    const [run] = await server.app.scheduler.tick();
    expect(run).toMatchObject({ outcome: 'STARTED', reason: null });
    expect(await jobEnded(admin, globalId('Job', run.jobId!))).toMatchObject({ status: 'SUCCEEDED' });
    const state = (await admin.query(SCHEDULE_STATE, { id: instanceId })).instance;
    expect(state).toMatchObject({ status: 'REAUTH_REQUIRED', tokensRemaining: 0, lastScheduledRun: { status: 'STARTED', reason: null, job: { status: 'SUCCEEDED' } } });
    expect((await admin.query(START_BACKUP, { instanceId })).startBackup.__typename).toBe('TokenExpired');
  });

  it('pages the run history newest first, each run once', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 5 } });
    const { admin, instanceId, server } = setup;
    await admin.query(SET_POLICY, { instanceId, frequency: 'EVERY_12_HOURS' });
    for (let run = 0; run < 5; run++) {
      const [claimed] = await server.app.scheduler.tick();
      await jobEnded(admin, globalId('Job', claimed.jobId!));
      clock.advance(12 * HOUR);
    }

    const RUNS = `query ($id: ID!, $after: String) { instance(id: $id) { ... on Instance { scheduledRuns(first: 2, after: $after) { nodes { scheduledFor } pageInfo { hasNextPage endCursor } } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { nodes: { scheduledFor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = (await admin.query(RUNS, { id: instanceId, after })).instance.scheduledRuns;
      seen.push(...page.nodes.map((run) => run.scheduledFor));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['2026-01-07T00:00:00.000Z', '2026-01-06T12:00:00.000Z', '2026-01-06T00:00:00.000Z', '2026-01-05T12:00:00.000Z', '2026-01-05T00:00:00.000Z']);

    // A cursor of the previous version (an offset) is refused.
    const offsetCursor = Buffer.from(JSON.stringify(['scheduledRuns', 2])).toString('base64url');
    const refused = await admin.request(RUNS, { id: instanceId, after: offsetCursor });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('records a run that cannot start as skipped, with the reason', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 5 } });
    const { admin, instanceId, server, emulator } = setup;
    await admin.query(SET_POLICY, { instanceId, frequency: 'EVERY_12_HOURS' });

    const manual = (await admin.query(START_BACKUP, { instanceId })).startBackup;
    const [busy] = await server.app.scheduler.tick();
    expect(busy).toMatchObject({ outcome: 'SKIPPED', reason: 'A job was already running on the instance', jobId: null });
    await jobEnded(admin, manual.id);

    emulator.revokeAllTokens(emulator.orgs.PRODUCTION.username);
    clock.advance(12 * HOUR);
    const [revoked] = await server.app.scheduler.tick();
    expect(revoked).toMatchObject({ outcome: 'SKIPPED', reason: "Salesforce refused the instance's grant: reauthenticate it" });
    const state = (await admin.query(SCHEDULE_STATE, { id: instanceId })).instance;
    expect(state.status).toBe('REAUTH_REQUIRED');
    expect(state.lastScheduledRun).toMatchObject({ status: 'SKIPPED', reason: "Salesforce refused the instance's grant: reauthenticate it", job: null });
    const audit = await admin.query(`{ auditLog(filter: { actor: "scheduler" }) { nodes { actorKind action targetId outcome detail } } }`);
    expect(audit.auditLog.nodes).toEqual(
      [revoked.reason, busy.reason].map((detail) => ({ actorKind: 'SCHEDULER', action: 'scheduledBackup', targetId: instanceId, outcome: 'FAILED', detail })),
    );

    const invalid = (await admin.query(SET_POLICY, { instanceId, frequency: 'CRON', cron: '* * * * *' })).setBackupPolicy;
    expect(invalid).toMatchObject({ __typename: 'InvalidInput', field: 'cron' });
  });
});
