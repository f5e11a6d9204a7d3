import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorEnvironment, reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { rowsAt } from '../helpers/database-rows.ts';
import { addInstance } from '../helpers/fixtures.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { FakeClock, rawId, SET_POLICY } from './helpers.ts';

const script = new URL('./scheduler-process.ts', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;

/** Starts a worker process on the database (either engine); resolves with a function that sends "go" and collects its claims. */
async function workerProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  while (!output.includes('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The worker process did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    go() {
      child.stdin.write('go\n');
    },
    async claims(): Promise<{ instanceId: string; outcome: string; jobId: string | null }[]> {
      await new Promise((resolve) => child.once('exit', resolve));
      const line = output.split('\n').find((l) => l.startsWith('['));
      if (!line) throw new Error(`No claims from the worker process: ${output}`);
      return JSON.parse(line);
    },
  };
}

describe('two worker processes on one database', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('never start the same scheduled run', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 5 } });
    const { admin, organisationId, instanceId, credentials, emulator, server } = setup;
    const instanceIds = [instanceId];
    for (let i = 2; i <= 4; i++) {
      const id = await addInstance(admin, organisationId, 'PRODUCTION', `org ${i}`);
      expect((await reauthenticate(admin, id, credentials)).status).toBe(200);
      instanceIds.push(id);
    }
    for (const id of instanceIds) expect((await admin.query(SET_POLICY, { instanceId: id, frequency: 'EVERY_12_HOURS' })).setBackupPolicy.__typename).toBe('Instance');
    await server.stop();

    const env = {
      ...emulatorEnvironment(emulator),
      // The stopped server's database: its SQLite file, or its PostgreSQL database (with its SECRET_KEY).
      ...server.databaseEnv,
      ADMIN_API_KEY: OPERATOR_KEY,
      LOG_LEVEL: 'silent',
      NOW: '2026-01-05T00:01:00Z',
      TICK_MS: '2000',
    };
    const workers = await Promise.all([workerProcess(env), workerProcess(env)]);
    for (const worker of workers) worker.go();
    const [first, second] = await Promise.all(workers.map((worker) => worker.claims()));

    const claimed = [...first, ...second];
    expect(claimed.map((run) => run.instanceId).sort()).toEqual(instanceIds.map((id) => rawId(id)).sort());
    expect(claimed.every((run) => run.outcome === 'STARTED' && run.jobId)).toBe(true);
    const rows = rowsAt(server.databaseEnv.DATABASE_URL);
    try {
      expect(await rows.count('select count(*) from scheduled_runs')).toBe(4);
      const jobs = await rows.all<{ instance_id: string }>("select instance_id from jobs where kind = 'BACKUP'");
      expect(new Set(jobs.map((job) => job.instance_id)).size).toBe(4);
      expect(jobs).toHaveLength(4);
    } finally {
      await rows.close();
    }
  });
});
