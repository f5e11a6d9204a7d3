import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, reauthenticate, type EnvironmentName } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { isFinished, JOB, START_BACKUP } from '../helpers/operations.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { buildService, startServiceProcess, subscribedOn, type ServiceProcess } from '../helpers/service-process.ts';
import { CpuBudgetError, cpuBudgets, type CpuBudgets } from './cpu-budget.ts';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Invoice__c'];
const INSTANCES: EnvironmentName[] = ['PRODUCTION', 'SANDBOX', 'PRODUCTION', 'SANDBOX'];
const JOB_TIMEOUT_MS = 30 * 60_000;
const JOB_ENDS = `subscription ($organisationId: ID) { jobUpdated(organisationId: $organisationId) { id status } }`;

interface Run {
  seconds: number;
  recordsPerSecond: number;
  /** The share of the machine's CPU time in use over the run, every process's: near 1, a second worker has no core to run on. */
  machineCpuBusy: number;
  /** The machine's busy CPU time (all cores, all processes) per 1,000 records: what a record costs, however many workers share it. */
  cpuMsPerThousandRecords: number;
}

/** CPU time of all the machine's cores since boot, and the part of it not idle. */
function machineCpuTimes() {
  let total = 0;
  let idle = 0;
  for (const { times } of cpus()) {
    total += times.user + times.nice + times.sys + times.irq + times.idle;
    idle += times.idle;
  }
  return { total, busy: total - idle };
}

/** One worker process, then two, backing up the same four instances. */
export interface WorkerPair {
  oneWorker: Run;
  twoWorkers: Run;
  /** Records per second of two workers over one's. */
  ratio: number;
}

export interface WorkerScalingResult {
  instances: number;
  records: number;
  /** Jobs one worker process runs at once (JOB_CONCURRENCY). */
  jobsPerWorker: number;
  /** The CPU each worker process was held to, in cores; null where this machine lets the bench set no limit. */
  workerCpuCores: number | null;
  /** Each worker held to `workerCpuCores`, as a container's CPU limit holds it: what adding a worker adds. The median of `budgetedRatios`' pairs. */
  budgeted: WorkerPair | null;
  /** Every held pair's ratio, low to high. */
  budgetedRatios: number[];
  /** The workers sharing the machine's cores with everything else. */
  sharedCores: WorkerPair;
  /** `budgeted.ratio`. */
  workerScalingRatio: number | null;
}

// A worker's share of the machine: two of them, and the PostgreSQL, API and emulator work they
// cause (about twice a worker's own CPU per record), still leave cores idle.
const WORKER_SHARE_OF_MACHINE = 1 / 8;

// This machine's CPU speed drifts by several per cent from one minute to the next (the same work
// timed 30 times: 821 to 1,100 ms), so one pair's ratio moves with it: held pairs are run one
// after another and the median pair stands.
const HELD_PAIRS = 3;

/**
 * Full backups of four instances at once on PostgreSQL, run by one worker process and then by
 * two, beside one API process that takes the requests: records per second from the four starts
 * to the last end. Each run has a database of its own, its worker processes already up.
 */
async function backUpFourInstances(options: {
  databaseUrl: string;
  redisUrl?: string;
  workers: number;
  jobsPerWorker: number;
  emulator: Awaited<ReturnType<typeof startEmulator>>;
  budget?: { budgets: CpuBudgets; cores: number };
}) {
  const database = await createTestDatabase(options.databaseUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'sfbackup-scaling-'));
  const env = {
    ...emulatorEnvironment(options.emulator),
    PORT: '0',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_API_KEY: OPERATOR_KEY,
    TOKEN_LIMIT: '20',
    JOB_CONCURRENCY: String(options.jobsPerWorker),
    ...(options.redisUrl && { REDIS_URL: options.redisUrl }),
  };
  const processes: ServiceProcess[] = [];
  try {
    const api = await startServiceProcess({ ...env, SERVICE_ROLE: 'api' });
    processes.push(api);
    const { organisationId, client } = await createOrganisationWithKey(new GraphQLClient(api.url, OPERATOR_KEY), 'Scaling');
    const instanceIds: string[] = [];
    for (const [i, environment] of INSTANCES.entries()) {
      const instanceId = await addInstance(client, organisationId, environment, `org ${i + 1}`);
      const connected = await reauthenticate(client, instanceId, options.emulator.orgs[environment]);
      if (connected.status !== 200) throw new Error(`Connecting instance ${i + 1} failed: ${connected.page}`);
      instanceIds.push(instanceId);
    }
    const workers = await Promise.all(Array.from({ length: options.workers }, () => startServiceProcess({ ...env, SERVICE_ROLE: 'worker' })));
    processes.push(...workers);
    if (options.budget) for (const worker of workers) options.budget.budgets.hold(worker.child.pid!, options.budget.cores);

    // The end of each job is heard as a dashboard hears it, through jobUpdated: polling the four
    // jobs would cost the API CPU the workers share.
    const socket = client.ws();
    const updates = await subscribedOn(api.url, () => client.subscribeWs(socket, JOB_ENDS, { organisationId }));
    const started = performance.now();
    const cpuBefore = machineCpuTimes();
    const jobIds = await Promise.all(
      instanceIds.map(async (instanceId) => {
        const job = (await client.query(START_BACKUP, { instanceId, objects: OBJECTS, full: true })).startBackup;
        if (job.__typename !== 'Job') throw new Error(`startBackup refused: ${JSON.stringify(job)}`);
        return job.id as string;
      }),
    );
    const ended = () => new Set(updates.values.flatMap(({ data }) => (data && isFinished(data.jobUpdated.status) ? [data.jobUpdated.id] : [])));
    await updates.until(() => jobIds.every((id) => ended().has(id)), 'the four backups to end', JOB_TIMEOUT_MS);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = machineCpuTimes();
    updates.close();
    await socket.dispose();
    const jobs: { status: string; error: string | null }[] = await Promise.all(jobIds.map(async (id) => (await client.query(JOB, { id })).job));
    const busyMs = cpuAfter.busy - cpuBefore.busy;
    const machineCpuBusy = busyMs / (cpuAfter.total - cpuBefore.total);
    const failed = jobs.find((job) => job.status !== 'SUCCEEDED');
    if (failed) throw new Error(`A backup ended ${failed.status}: ${failed.error}\n${processes.map((process) => process.output()).join('\n')}`);
    return { seconds, machineCpuBusy, busyMs };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await options.budget?.budgets.release();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `workerScalingRatio`: records per second of two worker processes over one's, on PostgreSQL, each
 * worker held to an eighth of the machine's CPU as a container would hold it; and the same with
 * the workers sharing every core, where one worker can already fill a small machine.
 */
export async function benchWorkerScaling(options: { databaseUrl: string; redisUrl?: string; recordsPerObject: number; jobsPerWorker: number }): Promise<WorkerScalingResult> {
  buildService();
  const emulator = await startEmulator({ records: options.recordsPerObject, dailyApiLimit: 100_000_000 });
  try {
    const perInstance = (environment: EnvironmentName) => OBJECTS.reduce((sum, object) => sum + emulator.data[environment].counts()[object], 0);
    const records = INSTANCES.reduce((sum, environment) => sum + perInstance(environment), 0);
    const measured = ({ seconds, machineCpuBusy, busyMs }: Awaited<ReturnType<typeof backUpFourInstances>>): Run => ({
      seconds,
      machineCpuBusy,
      recordsPerSecond: records / seconds,
      cpuMsPerThousandRecords: (busyMs * 1000) / records,
    });
    const pair = async (budget?: { budgets: CpuBudgets; cores: number }): Promise<WorkerPair> => {
      const one = measured(await backUpFourInstances({ ...options, workers: 1, emulator, budget }));
      const two = measured(await backUpFourInstances({ ...options, workers: 2, emulator, budget }));
      return { oneWorker: one, twoWorkers: two, ratio: one.seconds / two.seconds };
    };
    const sharedCores = await pair();
    const budgets = cpuBudgets();
    const workerCpuCores = budgets ? cpus().length * WORKER_SHARE_OF_MACHINE : null;
    const heldPairs: WorkerPair[] = [];
    try {
      if (budgets) for (let i = 0; i < HELD_PAIRS; i++) heldPairs.push(await pair({ budgets, cores: workerCpuCores! }));
      else console.log('scale-out: no writable cgroup CPU controller here (the held run needs root), so workerScalingRatio is not measured');
    } catch (error) {
      if (!(error instanceof CpuBudgetError)) throw error;
      console.log(`scale-out: ${error.message}, so workerScalingRatio is not measured`);
    }
    heldPairs.sort((a, b) => a.ratio - b.ratio);
    const budgeted = heldPairs.length === HELD_PAIRS ? heldPairs[Math.floor(HELD_PAIRS / 2)] : null;
    return {
      instances: INSTANCES.length,
      records,
      jobsPerWorker: options.jobsPerWorker,
      workerCpuCores: budgeted ? workerCpuCores : null,
      budgeted,
      budgetedRatios: budgeted ? heldPairs.map((held) => held.ratio) : [],
      sharedCores,
      workerScalingRatio: budgeted?.ratio ?? null,
    };
  } finally {
    await emulator.close();
  }
}
