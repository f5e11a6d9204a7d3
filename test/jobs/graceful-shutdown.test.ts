import { afterEach, describe, expect, it } from 'vitest';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { INSTANCE_STATE, START_BACKUP } from '../helpers/operations.ts';
import { processesOnOneFile } from '../helpers/processes-on-one-file.ts';
import { waitUntil } from '../helpers/wait.ts';

/** A service stopped with SIGTERM, as an orchestrator stops a replica, while a job runs. */
describe('graceful shutdown', () => {
  let processes: Awaited<ReturnType<typeof processesOnOneFile>> | undefined;
  afterEach(async () => {
    await processes?.close();
    processes = undefined;
  });

  it('hands a running job back to the queue, and the next worker runs it to the end on the same token', async () => {
    processes = await processesOnOneFile(3000);
    const { setup, jobRow, unfinishedSnapshots } = processes;
    const { admin, instanceId, emulator } = setup;
    const tokensUsed = async (client: GraphQLClient) => (await client.query(INSTANCE_STATE, { id: instanceId })).instance.tokensUsed as number;

    // A 503 on the second page holds the backup in a long retry pause: it is mid-run when the service stops.
    const first = await processes.start({ SALESFORCE_RETRY_DELAY_MS: '30000' });
    const firstClient = new GraphQLClient(first.url, admin.apiKey);
    const usedBefore = await tokensUsed(firstClient);
    emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const started = (await firstClient.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'] })).startBackup;
    await waitUntil(() => jobRow(started.id).status === 'RUNNING' && unfinishedSnapshots() === 1 && emulator.counters().faultsPending === 0, 'the backup to reach its retry pause');

    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(jobRow(started.id)).toMatchObject({ status: 'QUEUED', error: null, lease_owner: null, processed: 0, started_at: null });
    expect(unfinishedSnapshots()).toBe(0);

    const second = await processes.start();
    const secondClient = new GraphQLClient(second.url, admin.apiKey);
    await waitUntil(() => jobRow(started.id).status === 'SUCCEEDED', 'the next worker to finish the job', 30_000, 50);
    const job = (await secondClient.query(`query ($id: ID!) { job(id: $id) { ... on Job { status snapshot { objects { name recordCount } } } } }`, { id: started.id })).job;
    expect(job.snapshot.objects.map((o: { name: string; recordCount: number }) => [o.name, o.recordCount])).toEqual([
      ['Account', emulator.data.PRODUCTION.counts().Account],
      ['Contact', emulator.data.PRODUCTION.counts().Contact],
    ]);
    // The job was initiated once, so it spent one token, however many workers ran it.
    expect(await tokensUsed(secondClient)).toBe(usedBefore + 1);
  });
});
