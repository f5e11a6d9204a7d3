import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorEnvironment, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { INSTANCE_STATE, START_BACKUP } from '../helpers/operations.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { waitUntil } from '../helpers/wait.ts';
import { rawId } from '../unattended/helpers.ts';

/** A service stopped with SIGTERM, as an orchestrator stops a replica, while a job runs. */
describe('graceful shutdown', () => {
  let setup: ConnectedSetup | undefined;
  const services: ServiceProcess[] = [];
  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    await setup?.close();
    setup = undefined;
  });

  it('hands a running job back to the queue, and the next worker runs it to the end on the same token', async () => {
    setup = await startConnectedInstance({ emulator: { records: 3000 } });
    const { admin, instanceId, emulator, server } = setup;
    await server.stop();
    const databaseFile = join(server.dataDir, 'backup.db');
    const env = { ...emulatorEnvironment(emulator), PORT: '0', DATABASE_URL: databaseFile, ADMIN_API_KEY: OPERATOR_KEY };
    const database = new Database(databaseFile, { readonly: true });
    const jobRow = (id: string) =>
      database.prepare('select status, error, lease_owner, processed, started_at from jobs where id = ?').get(rawId(id)) as {
        status: string;
        error: string | null;
        lease_owner: string | null;
        processed: number;
        started_at: number | null;
      };
    const unfinishedSnapshots = () => (database.prepare('select count(*) as n from snapshots where completed_at is null').get() as { n: number }).n;

    // A 503 on the second page holds the backup in a long retry pause: it is mid-run when the service stops.
    const first = await startServiceProcess({ ...env, SALESFORCE_RETRY_DELAY_MS: '30000' });
    services.push(first);
    const firstClient = new GraphQLClient(first.url, admin.apiKey);
    const tokensUsed = async (client: GraphQLClient) => (await client.query(INSTANCE_STATE, { id: instanceId })).instance.tokensUsed as number;
    const usedBefore = await tokensUsed(firstClient);
    emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const started = (await firstClient.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact'] })).startBackup;
    await waitUntil(() => jobRow(started.id).status === 'RUNNING' && unfinishedSnapshots() === 1 && emulator.counters().faultsPending === 0, 'the backup to reach its retry pause');

    services.splice(services.indexOf(first), 1);
    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(jobRow(started.id)).toMatchObject({ status: 'QUEUED', error: null, lease_owner: null, processed: 0, started_at: null });
    expect(unfinishedSnapshots()).toBe(0);

    const second = await startServiceProcess(env);
    services.push(second);
    const secondClient = new GraphQLClient(second.url, admin.apiKey);
    await waitUntil(() => jobRow(started.id).status === 'SUCCEEDED', 'the next worker to finish the job', 30_000, 50);
    const job = (await secondClient.query(`query ($id: ID!) { job(id: $id) { ... on Job { status snapshot { objects { name recordCount } } } } }`, { id: started.id })).job;
    expect(job.snapshot.objects.map((o: { name: string; recordCount: number }) => [o.name, o.recordCount])).toEqual([
      ['Account', emulator.data.PRODUCTION.counts().Account],
      ['Contact', emulator.data.PRODUCTION.counts().Contact],
    ]);
    // The job was initiated once, so it spent one token, however many workers ran it.
    expect(await tokensUsed(secondClient)).toBe(usedBefore + 1);
    database.close();
  });
});
