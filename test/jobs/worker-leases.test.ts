import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorEnvironment, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { START_BACKUP, isFinished } from '../helpers/operations.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { waitUntil } from '../helpers/wait.ts';
import { rawId } from '../unattended/helpers.ts';

// Long enough that a worker starved of CPU on a busy machine still renews in time.
const LEASE_SECONDS = 4;

/** Two worker processes on one SQLite file, each a whole service as `npm start` runs it. */
describe('job leases across worker processes', () => {
  let setup: ConnectedSetup | undefined;
  const services: ServiceProcess[] = [];
  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    await setup?.close();
    setup = undefined;
  });

  it("leaves a live worker's job alone, and ends a killed worker's job once its lease has passed, with no partial snapshot", async () => {
    setup = await startConnectedInstance({ emulator: { records: 3000 } });
    const { admin, instanceId, emulator, server } = setup;
    await server.stop();
    const databaseFile = join(server.dataDir, 'backup.db');
    // A 503 on the second page holds the backup in a long retry pause: it is running, and renewing
    // its lease, for as long as the test needs.
    const env = {
      ...emulatorEnvironment(emulator),
      PORT: '0',
      DATABASE_URL: databaseFile,
      ADMIN_API_KEY: OPERATOR_KEY,
      JOB_LEASE_SECONDS: String(LEASE_SECONDS),
      SALESFORCE_RETRY_DELAY_MS: '30000',
    };
    const database = new Database(databaseFile, { readonly: true });
    const jobRow = (id: string) => database.prepare('select status, error, lease_owner from jobs where id = ?').get(rawId(id)) as { status: string; error: string | null; lease_owner: string | null };
    const unfinishedSnapshots = () => (database.prepare('select count(*) as n from snapshots where completed_at is null').get() as { n: number }).n;

    const first = await startServiceProcess(env);
    services.push(first);
    emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const started = (await new GraphQLClient(first.url, admin.apiKey).query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'] })).startBackup;
    await waitUntil(() => jobRow(started.id).status === 'RUNNING' && unfinishedSnapshots() === 1 && emulator.counters().faultsPending === 0, 'the backup to reach its retry pause');
    const { lease_owner: firstWorker } = jobRow(started.id);

    // A second worker starting on the same database must not take the live worker's job for a leftover.
    const second = await startServiceProcess(env);
    services.push(second);
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
    expect(jobRow(started.id)).toMatchObject({ status: 'RUNNING', lease_owner: firstWorker });

    services.splice(services.indexOf(first), 1);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const killedAt = Date.now();
    await waitUntil(() => isFinished(jobRow(started.id).status), 'the second worker to end the job', 15_000, 50);
    const endedAfterMs = Date.now() - killedAt;
    expect(jobRow(started.id)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('The worker running this job stopped'), lease_owner: null });
    expect(endedAfterMs).toBeLessThan((LEASE_SECONDS + 3) * 1000);
    expect(unfinishedSnapshots()).toBe(0);

    // The second worker takes the next job on the instance: the lost job holds nothing.
    const client = new GraphQLClient(second.url, admin.apiKey);
    const next = (await client.query(START_BACKUP, { instanceId, objects: ['Account'] })).startBackup;
    await waitUntil(() => isFinished(jobRow(next.id).status), 'the next backup', 30_000, 50);
    expect(jobRow(next.id).status).toBe('SUCCEEDED');
    database.close();
  });
});
