import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';
import { waitUntil } from '../helpers/wait.ts';

const root = new URL('../..', import.meta.url).pathname;
const script = new URL('./claiming-process.ts', import.meta.url).pathname;
const LEASE_MS = 1500;
const postgres = ENGINES.find((engine) => engine.name === 'PostgreSQL');

/** Workers as processes of their own on one PostgreSQL: a worker killed outright loses its job through its lease. */
describe.skipIf(!postgres)('leases across worker processes on PostgreSQL', () => {
  let database: TestDatabase;
  let schema: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await postgres!.open();
    schema = database.schema!;
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await database.close();
  });

  function startWorker(owner: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', TEST_DATABASE_URL: process.env.TEST_DATABASE_URL, SCHEMA: schema, OWNER: owner, LEASE_MS: String(LEASE_MS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const claimed: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => claimed.push(...[...chunk.toString().matchAll(/claimed (\S+)/g)].map((match) => match[1])));
    return { child, claimed };
  }

  it('keeps a live worker its job, and after a SIGKILL ends the job within the lease, freeing the instance', async () => {
    const instance = await database.addInstance(5);
    const first = await database.queueJob(instance, new Date(Date.UTC(2026, 0, 1)));
    const second = await database.queueJob(instance, new Date(Date.UTC(2026, 0, 2)));
    const a = startWorker('worker-a');
    await waitUntil(() => a.claimed.length === 1, 'worker A to claim', 30_000);
    expect(a.claimed).toEqual([first.id]);
    const unfinished = await database.addSnapshot(first.id, instance.id, false);

    // Two leases' worth later, the live worker still holds it: nothing has expired.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 2));
    expect(await database.claims.failExpired(new Date(), 'lost')).toEqual([]);
    expect(await database.job(first.id)).toMatchObject({ status: 'RUNNING', leaseOwner: 'worker-a' });

    a.child.kill('SIGKILL');
    await once(a.child, 'exit');
    const killedAt = Date.now();
    let ended: Awaited<ReturnType<typeof database.claims.failExpired>> = [];
    await waitUntil(async () => (ended = await database.claims.failExpired(new Date(), 'The worker running this job stopped')).length > 0, 'the lease to expire', 10_000);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
    expect(ended.map((job) => job.id)).toEqual([first.id]);
    expect(await database.snapshotIds()).not.toContain(unfinished);

    // Another worker then takes the instance's next job.
    const b = startWorker('worker-b');
    await waitUntil(() => b.claimed.length === 1, 'worker B to claim', 30_000);
    expect(b.claimed).toEqual([second.id]);
  });
});
