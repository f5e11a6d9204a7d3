import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, followCallback, loginAtSalesforce, reauthenticate, type Emulator } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { COMPLETE_REAUTHENTICATION, INSTANCE_STATE, isFinished, JOB, START_BACKUP } from '../helpers/operations.ts';
import { createTestDatabase, type TestDatabaseUrl } from '../helpers/postgres.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess, subscribedOn, type ServiceProcess } from '../helpers/service-process.ts';
import { waitUntil } from '../helpers/wait.ts';
import { rawId } from '../unattended/helpers.ts';

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
// Long enough that a worker starved of CPU on a busy machine still renews in time.
const LEASE_SECONDS = 4;

const START_REAUTHENTICATION = `mutation ($instanceId: ID!) { startReauthentication(instanceId: $instanceId) { ... on ReauthenticationStarted { authorizationUrl } ... on Error { message } } }`;
const REAUTH_COMPLETED = `subscription { reauthCompleted { instance { id } } }`;
const JOB_UPDATED = `subscription ($organisationId: ID) { jobUpdated(organisationId: $organisationId) { id status } }`;
const MINT = `mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "dashboard") { ... on ApiKeyCreated { secret apiKey { id } } } }`;
const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { ... on ApiKey { revokedAt } ... on Error { message } } }`;

/**
 * A load balancer in front of the API processes: both are configured with its address as
 * PUBLIC_URL, as in a deployment, and it sends each request to the process the test names.
 */
async function startBalancer() {
  let target = '';
  const server = createServer((request, response) => {
    const forwarded = httpRequest(new URL(request.url!, target), { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sendTo(process: ServiceProcess) {
      target = process.url;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface JobRun {
  status: string;
  error: string | null;
  leaseOwner: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * The service as it runs at scale: two API processes and two worker processes, all real processes
 * as `npm start` runs them, on one PostgreSQL database and one Redis.
 */
describe.skipIf(!databaseUrl || !redisUrl)('two API processes and two workers on PostgreSQL and Redis', () => {
  let emulator: Emulator;
  let balancer: Awaited<ReturnType<typeof startBalancer>>;
  let database: TestDatabaseUrl;
  let rows: pg.Pool;
  let dataDir: string;
  let env: Record<string, string>;
  let apiA: ServiceProcess;
  let apiB: ServiceProcess;
  let workers: ServiceProcess[] = [];
  let organisationId: string;
  let onA: GraphQLClient;
  let onB: GraphQLClient;

  const jobRun = async (id: string): Promise<JobRun> =>
    (
      await rows.query(
        'select status, error, lease_owner as "leaseOwner", started_at as "startedAt", finished_at as "finishedAt" from jobs where id = $1',
        [rawId(id)],
      )
    ).rows[0];
  const snapshotsOf = async (jobId: string) =>
    (await rows.query('select completed_at as "completedAt" from snapshots where job_id = $1', [rawId(jobId)])).rows as { completedAt: Date | null }[];
  /** The worker process holding a lease: its owner names the machine and process (`host:pid:uuid`). */
  const workerHolding = (owner: string) => workers.find((worker) => owner.split(':')[1] === String(worker.child.pid));

  /** An API process behind the balancer: it names the balancer as its address, and listens on a port of its own. */
  async function startApiProcess(): Promise<ServiceProcess> {
    const port = await freePort();
    const process = await startServiceProcess({ ...env, SERVICE_ROLE: 'api', PORT: String(port), PUBLIC_URL: balancer.url });
    return { ...process, url: `http://127.0.0.1:${port}` };
  }

  async function connectedInstance(name: string, environment: 'PRODUCTION' | 'SANDBOX') {
    const instanceId = await addInstance(onA, organisationId, environment, name);
    expect((await reauthenticate(onA, instanceId, emulator.orgs[environment])).status).toBe(200);
    return instanceId;
  }

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, records: 3000 });
    database = await createTestDatabase(databaseUrl!);
    rows = new pg.Pool({ connectionString: database.url });
    dataDir = mkdtempSync(join(tmpdir(), 'sfbackup-pg-'));
    balancer = await startBalancer();
    env = {
      ...emulatorEnvironment(emulator),
      PORT: '0',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SECRET_KEY: randomBytes(32).toString('hex'),
      ADMIN_API_KEY: OPERATOR_KEY,
      REDIS_URL: redisUrl!,
      JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    // The first process migrates the empty database; the others start on it at once.
    apiA = await startApiProcess();
    [apiB, ...workers] = await Promise.all([
      startApiProcess(),
      startServiceProcess({ ...env, SERVICE_ROLE: 'worker' }),
      startServiceProcess({ ...env, SERVICE_ROLE: 'worker' }),
    ]);
    const created = await createOrganisationWithKey(new GraphQLClient(apiA.url, OPERATOR_KEY), 'Acme');
    organisationId = created.organisationId;
    onA = new GraphQLClient(apiA.url, created.client.apiKey);
    onB = new GraphQLClient(apiB.url, created.client.apiKey);
  });
  afterAll(async () => {
    await Promise.all([apiA, apiB, ...workers].map((process) => process?.stop()));
    await rows?.end();
    await balancer?.close();
    await database?.drop();
    await emulator?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports PostgreSQL and Redis in /healthz on every process', async () => {
    for (const process of [apiA, apiB, ...workers]) {
      expect(await (await fetch(`${process.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
    }
  });

  it('completes on one API process a login started on the other, and tells subscribers on both', async () => {
    const instanceId = await addInstance(onA, organisationId, 'PRODUCTION', 'crossing');
    const onASocket = onA.ws();
    const completedOnA = await subscribedOn(apiA.url, () => onA.subscribeWs(onASocket, REAUTH_COMPLETED));

    const started = (await onA.query(START_REAUTHENTICATION, { instanceId })).startReauthentication;
    const callback = await loginAtSalesforce(started.authorizationUrl, emulator.orgs.PRODUCTION);
    // The browser comes back through the load balancer, which sends it to the other process.
    expect(callback.startsWith(`${balancer.url}/`)).toBe(true);
    balancer.sendTo(apiB);
    const { login } = await followCallback(callback);
    const completed = (await onB.query(COMPLETE_REAUTHENTICATION, login)).completeReauthentication;
    expect(completed).toMatchObject({ __typename: 'Instance', id: instanceId, status: 'CONNECTED' });

    await completedOnA.until(() => completedOnA.values.some((event) => event.data?.reauthCompleted.instance.id === instanceId), 'reauthCompleted on the other process');
    expect((await onA.query(INSTANCE_STATE, { id: instanceId })).instance.status).toBe('CONNECTED');
    completedOnA.close();
    await onASocket.dispose();
  });

  it('pushes to a subscriber on one API process the job a worker process runs', async () => {
    const instanceId = await connectedInstance('watched', 'SANDBOX');
    const socket = onB.ws();
    const events = await subscribedOn(apiB.url, () => onB.subscribeWs(socket, JOB_UPDATED, { organisationId }));
    emulator.setLatency(100);
    const job = (await onA.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'] })).startBackup;
    await events.until(() => events.values.some((event) => event.data?.jobUpdated.id === job.id && event.data.jobUpdated.status === 'RUNNING'), 'RUNNING from a worker');
    // Cached on B while it runs; the worker's later events must drop that answer.
    expect((await onB.query(JOB, { id: job.id })).job.status).toBe('RUNNING');
    await events.until(() => events.values.some((event) => event.data?.jobUpdated.id === job.id && event.data.jobUpdated.status === 'SUCCEEDED'), 'SUCCEEDED from a worker', 60_000);
    emulator.setLatency(0);
    const statuses = events.values.filter((event) => event.data?.jobUpdated.id === job.id).map((event) => event.data.jobUpdated.status);
    expect(statuses).toContain('RUNNING');
    expect(workerHolding((await jobRun(job.id)).leaseOwner ?? '')).toBeUndefined(); // the lease is let go
    expect((await onB.query(JOB, { id: job.id })).job.status).toBe('SUCCEEDED');
    events.close();
    await socket.dispose();
  });

  it('refuses on both API processes a key revoked on one', async () => {
    const operatorA = new GraphQLClient(apiA.url, OPERATOR_KEY);
    const minted = (await operatorA.query(MINT, { organisationId })).createApiKey;
    const viewerOnB = new GraphQLClient(apiB.url, minted.secret);
    const ask = `{ viewer { __typename } }`;
    expect((await viewerOnB.request(ask)).errors).toBeUndefined(); // B now knows the key
    expect((await operatorA.query(REVOKE, { id: minted.apiKey.id })).revokeApiKey.revokedAt).toBeTruthy();
    await waitUntil(async () => (await viewerOnB.request(ask)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED', 'B to refuse the key', 2000, 50);
  });

  it('starts exactly five of twenty backups sent at once to the two API processes, and runs them one at a time', async () => {
    const instanceId = await connectedInstance('raced', 'PRODUCTION');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? onA : onB).query(START_BACKUP, { instanceId, objects: ['Account'] }).then((data) => data.startBackup)),
    );
    const started = results.filter((result) => result.__typename === 'Job');
    expect(started).toHaveLength(5);
    expect(results.filter((result) => result.__typename === 'TokenExpired')).toHaveLength(15);

    await waitUntil(async () => (await Promise.all(started.map((job) => jobRun(job.id)))).every((run) => isFinished(run.status)), 'the five backups', 120_000, 100);
    const runs = (await Promise.all(started.map((job) => jobRun(job.id)))).sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
    expect(runs.map((run) => run.status)).toEqual(started.map(() => 'SUCCEEDED'));
    for (let i = 1; i < runs.length; i++) expect(runs[i].startedAt!.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finishedAt!.getTime());
  });

  it('claims at once a job queued on an API process, told through Redis, not at a worker\'s next heartbeat (every second)', async () => {
    const instanceIds = await Promise.all(['claimed at once', 'claimed at once too'].map((name) => connectedInstance(name, 'SANDBOX')));
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const job = (await onA.query(START_BACKUP, { instanceId: instanceIds[i % 2], objects: ['Account'] })).startBackup;
      await waitUntil(async () => isFinished((await jobRun(job.id)).status), 'the backup', 60_000, 50);
      const { rows: [times] } = await rows.query('select queued_at as "queuedAt", started_at as "startedAt" from jobs where id = $1', [rawId(job.id)]);
      waits.push(times.startedAt.getTime() - times.queuedAt.getTime());
    }
    // By the heartbeats of two workers alone, a wait is under 200 ms one time in three: all eight, one in 3,500.
    expect(Math.max(...waits), `waits of ${waits.join(', ')} ms`).toBeLessThan(200);
  });

  it('backs up four instances at once on the two workers, each job run once and every snapshot whole', async () => {
    const instanceIds = await Promise.all(['one', 'two', 'three', 'four'].map((name, i) => connectedInstance(`four ${name}`, i % 2 === 0 ? 'PRODUCTION' : 'SANDBOX')));
    emulator.setLatency(20);
    const jobs = await Promise.all(instanceIds.map(async (instanceId) => (await onB.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'], full: true })).startBackup.id as string));
    const owners = new Set<string>();
    await waitUntil(
      async () => {
        const runs = await Promise.all(jobs.map(jobRun));
        for (const run of runs) if (run.leaseOwner) owners.add(run.leaseOwner);
        return runs.every((run) => isFinished(run.status));
      },
      'the four backups',
      120_000,
      50,
    );
    emulator.setLatency(0);
    // Both workers took jobs: each holds two at a time (JOB_CONCURRENCY), so four need both.
    expect(new Set([...owners].map((owner) => workerHolding(owner)))).toEqual(new Set(workers));
    for (const jobId of jobs) {
      const job = (await onA.query(JOB, { id: jobId })).job;
      expect(job.status).toBe('SUCCEEDED');
      expect(job.snapshot.objects.map((object: { recordCount: number }) => object.recordCount)).toEqual([3000, 3000]);
      expect(await snapshotsOf(jobId)).toEqual([{ completedAt: expect.any(Date) }]);
    }
  });

  it('hands back the backup of a worker stopped with SIGTERM, which the other worker runs to the end on the same token', async () => {
    const instanceId = await connectedInstance('handed back', 'PRODUCTION');
    const tokensUsed = async () => (await onA.query(INSTANCE_STATE, { id: instanceId })).instance.tokensUsed as number;
    const usedBefore = await tokensUsed();
    emulator.setLatency(200);
    const job = (await onA.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'], full: true })).startBackup;
    let owner: string | null = null;
    await waitUntil(async () => (owner = (await jobRun(job.id)).leaseOwner) !== null && (await snapshotsOf(job.id)).length === 1, 'the backup to be running');
    const holder = workerHolding(owner!)!;

    const stopping = Date.now();
    await holder.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    emulator.setLatency(0);
    await waitUntil(async () => isFinished((await jobRun(job.id)).status), 'the other worker to finish the job', 60_000, 50);
    const run = await jobRun(job.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', error: null, leaseOwner: null });
    expect(await snapshotsOf(job.id)).toEqual([{ completedAt: expect.any(Date) }]);
    // Initiated once, so one token, however many workers ran it.
    expect(await tokensUsed()).toBe(usedBefore + 1);

    workers[workers.indexOf(holder)] = await startServiceProcess({ ...env, SERVICE_ROLE: 'worker' });
  });

  it('ends by its lease a backup whose worker was killed with SIGKILL, with no partial snapshot, and the other worker goes on', async () => {
    const instanceId = await connectedInstance('killed', 'SANDBOX');
    emulator.setLatency(200);
    const job = (await onA.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'], full: true })).startBackup;
    let owner: string | null = null;
    await waitUntil(async () => (owner = (await jobRun(job.id)).leaseOwner) !== null && (await snapshotsOf(job.id)).length === 1, 'the backup to be running');
    const holder = workerHolding(owner!)!;
    holder.child.kill('SIGKILL');
    await new Promise((resolve) => holder.child.once('exit', resolve));
    const killedAt = Date.now();
    emulator.setLatency(0);

    await waitUntil(async () => isFinished((await jobRun(job.id)).status), 'the other worker to end the job', 20_000, 50);
    expect(Date.now() - killedAt).toBeLessThan((LEASE_SECONDS + 3) * 1000);
    expect(await jobRun(job.id)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('The worker running this job stopped'), leaseOwner: null });
    expect(await snapshotsOf(job.id)).toEqual([]);

    // The instance is free again, and the surviving worker runs its next backup.
    const next = (await onB.query(START_BACKUP, { instanceId, objects: ['Account'] })).startBackup;
    await waitUntil(async () => isFinished((await jobRun(next.id)).status), 'the next backup', 60_000, 50);
    expect((await jobRun(next.id)).status).toBe('SUCCEEDED');
  });
});
