import { afterEach, describe, expect, it } from 'vitest';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { START_BACKUP, isFinished } from '../helpers/operations.ts';
import { processesOnOneFile } from '../helpers/processes-on-one-file.ts';
import { waitUntil } from '../helpers/wait.ts';

// Long enough that a worker starved of CPU on a busy machine still renews in time.
const LEASE_SECONDS = 4;

/** Two worker processes on one SQLite file, each a whole service as `npm start` runs it. */
describe('job leases across worker processes', () => {
  let processes: Awaited<ReturnType<typeof processesOnOneFile>> | undefined;
  afterEach(async () => {
    await processes?.close();
    processes = undefined;
  });

  it("leaves a live worker's job alone, and ends a killed worker's job once its lease has passed, with no partial snapshot", async () => {
    processes = await processesOnOneFile(3000);
    const { setup, jobRow, unfinishedSnapshots } = processes;
    const { admin, instanceId, emulator } = setup;
    // A 503 on the second page holds the backup in a long retry pause: it is running, and renewing
    // its lease, for as long as the test needs.
    const env = { JOB_LEASE_SECONDS: String(LEASE_SECONDS), SALESFORCE_RETRY_DELAY_MS: '30000' };

    const first = await processes.start(env);
    emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const started = (await new GraphQLClient(first.url, admin.apiKey).query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'] })).startBackup;
    await waitUntil(() => jobRow(started.id).status === 'RUNNING' && unfinishedSnapshots() === 1 && emulator.counters().faultsPending === 0, 'the backup to reach its retry pause');
    const { lease_owner: firstWorker } = jobRow(started.id);

    // A second worker starting on the same database must not take the live worker's job for a leftover.
    const second = await processes.start(env);
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
    expect(jobRow(started.id)).toMatchObject({ status: 'RUNNING', lease_owner: firstWorker });

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
  });
});
