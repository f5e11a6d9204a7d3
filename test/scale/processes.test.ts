import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { emulatorEnvironment, reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { addInstance } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { INSTANCE_STATE, isFinished, JOB, START_BACKUP } from '../helpers/operations.ts';
import { rawId } from '../unattended/helpers.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess, subscribedOn, type ServiceProcess } from '../helpers/service-process.ts';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.log('test/scale: TEST_REDIS_URL is not set, so the tests across processes on Redis are skipped');

const JOB_UPDATED = `subscription ($organisationId: ID) { jobUpdated(organisationId: $organisationId) { id status } }`;
const CANCEL = `mutation ($id: ID!) { cancelJob(id: $id) { __typename ... on Job { status } ... on Error { message } } }`;
const MINT = `mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "dashboard") { ... on ApiKeyCreated { secret apiKey { id } } } }`;
const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { ... on ApiKey { revokedAt } ... on Error { message } } }`;

/**
 * Two API processes and a worker process on one database, their events through Redis: what a
 * user does on one process is seen, live and in answers, on the others.
 */
describe.skipIf(!redisUrl)('api and worker processes on Redis', () => {
  let setup: ConnectedSetup;
  let apiA: ServiceProcess;
  let apiB: ServiceProcess;
  let worker: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 3000 } });
    await setup.server.stop();
    env = {
      ...emulatorEnvironment(setup.emulator),
      PORT: '0',
      DATABASE_URL: join(setup.server.dataDir, 'backup.db'),
      ADMIN_API_KEY: OPERATOR_KEY,
      REDIS_URL: redisUrl!,
      SALESFORCE_RETRY_DELAY_MS: '30000',
    };
    [apiA, apiB, worker] = await Promise.all([
      startServiceProcess({ ...env, SERVICE_ROLE: 'api' }),
      startServiceProcess({ ...env, SERVICE_ROLE: 'api' }),
      startServiceProcess({ ...env, SERVICE_ROLE: 'worker' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([apiA, apiB, worker].map((process) => process?.stop()));
    await setup.close();
  });

  it('reports Redis in /healthz, and a worker serves nothing else but metrics', async () => {
    expect(await (await fetch(`${apiA.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
    expect(await (await fetch(`${worker.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
    expect((await fetch(`${worker.url}/graphql`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${worker.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } })).status).toBe(200);
  });

  it("pushes a job the worker runs to a subscriber on another process, and that process's answers follow it", async () => {
    const onA = new GraphQLClient(apiA.url, setup.admin.apiKey);
    const onB = new GraphQLClient(apiB.url, setup.admin.apiKey);
    const events = await subscribedOn(apiB.url, () => onB.subscribeWs(onB.ws(), JOB_UPDATED, { organisationId: setup.organisationId }));
    setup.emulator.setLatency(100);
    const job = (await onA.query(START_BACKUP, { instanceId: setup.instanceId, objects: ['Account', 'Contact'] })).startBackup;
    await events.until(() => events.values.some((event) => event.data?.jobUpdated.status === 'RUNNING'), 'RUNNING from the worker');
    // Cached on B while it runs; the worker's later events must drop that answer.
    expect((await onB.query(JOB, { id: job.id })).job.status).toBe('RUNNING');
    await events.until(() => events.values.some((event) => event.data?.jobUpdated.status === 'SUCCEEDED'), 'SUCCEEDED from the worker', 30_000);
    setup.emulator.setLatency(0);
    expect((await onB.query(JOB, { id: job.id })).job.status).toBe('SUCCEEDED');
    expect(events.values.every((event) => event.data?.jobUpdated.id === job.id)).toBe(true);
    events.close();
  });

  it('cancels through one process a job the worker process runs', async () => {
    const onA = new GraphQLClient(apiA.url, setup.admin.apiKey);
    // A 503 holds the backup in a 30-second retry pause in the worker.
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const job = (await onA.query(START_BACKUP, { instanceId: setup.instanceId, objects: ['Account', 'Contact'], full: true })).startBackup;
    const deadline = Date.now() + 20_000;
    while (setup.emulator.counters().faultsPending > 0 && Date.now() < deadline) await sleep(50);
    expect((await onA.query(CANCEL, { id: job.id })).cancelJob.__typename).toBe('Job');
    let status = '';
    while (Date.now() < deadline && status !== 'CANCELLED') {
      await sleep(100);
      status = (await onA.query(JOB, { id: job.id })).job.status;
    }
    expect(status).toBe('CANCELLED');
  });

  it('starts exactly five of twenty backups sent at once to two processes, and runs them one at a time', async () => {
    const onA = new GraphQLClient(apiA.url, setup.admin.apiKey);
    const onB = new GraphQLClient(apiB.url, setup.admin.apiKey);
    const instanceId = await addInstance(onA, setup.organisationId, 'SANDBOX', 'raced');
    expect((await reauthenticate(onA, instanceId, setup.emulator.orgs.SANDBOX)).status).toBe(200);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? onA : onB).query(START_BACKUP, { instanceId, objects: ['Account'] }).then((data) => data.startBackup)),
    );
    const started = results.filter((result) => result.__typename === 'Job');
    expect(started).toHaveLength(5);
    expect(results.filter((result) => result.__typename === 'TokenExpired')).toHaveLength(15);
    const state = (await onB.query(INSTANCE_STATE, { id: instanceId })).instance;
    expect(state.tokens.map((token: { job: { id: string } }) => token.job.id).sort()).toEqual(started.map((job) => job.id).sort());

    // The worker runs them in turn: no two of the instance's jobs were ever running at once.
    const deadline = Date.now() + 60_000;
    const statuses = async () => Promise.all(started.map(async (job) => (await onA.query(JOB, { id: job.id })).job.status as string));
    while (!(await statuses()).every(isFinished) && Date.now() < deadline) await sleep(100);
    expect(await statuses()).toEqual(started.map(() => 'SUCCEEDED'));
    const database = new Database(env.DATABASE_URL, { readonly: true });
    const runs = database
      .prepare('select started_at as startedAt, finished_at as finishedAt from jobs where instance_id = ? order by started_at')
      .all(rawId(instanceId)) as { startedAt: number; finishedAt: number }[];
    database.close();
    expect(runs).toHaveLength(5);
    for (let i = 1; i < runs.length; i++) expect(runs[i].startedAt).toBeGreaterThanOrEqual(runs[i - 1].finishedAt);
  });

  it('refuses on every process a key revoked on one', async () => {
    const operatorA = new GraphQLClient(apiA.url, OPERATOR_KEY);
    const minted = (await operatorA.query(MINT, { organisationId: setup.organisationId })).createApiKey;
    const viewerOnB = new GraphQLClient(apiB.url, minted.secret);
    const ask = `query ($id: ID!) { instance(id: $id) { __typename } }`;
    expect((await viewerOnB.request(ask, { id: setup.instanceId })).errors).toBeUndefined(); // B now knows the key
    expect((await operatorA.query(REVOKE, { id: minted.apiKey.id })).revokeApiKey.revokedAt).toBeTruthy();
    let refused = false;
    for (let i = 0; i < 40 && !refused; i++) {
      refused = (await viewerOnB.request(ask, { id: setup.instanceId })).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';
      if (!refused) await sleep(50);
    }
    expect(refused).toBe(true);
  });
});
