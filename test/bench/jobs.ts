import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import jsforce from 'jsforce';
import { startEmulator } from '../../src/emulator/index.ts';
import { loadSecretKey } from '../../src/secret-key.ts';
import { unwrapCipher } from '../../src/services/data-keys.ts';
import { emulatorEnvironment, reauthenticate } from '../helpers/connected-instance.ts';
import { authorizeJsforce } from '../helpers/emulator-login.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { buildService, peakRssOf, startServiceProcess } from '../helpers/service-process.ts';
import { backup, START_RESTORE } from '../helpers/operations.ts';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Invoice__c'];
const MB = 1024 * 1024;
const JOB_TIMEOUT_MS = 30 * 60_000;
const RESTORE_ROUNDS = 3;
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

async function secondsOf(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

export interface JobsBenchResult {
  records: number;
  backup: { seconds: number; recordsPerSecond: number; peakRssMb: number; databaseMb: number; apiCallsPerMillionRecords: number };
  ndjsonScript: { seconds: number; recordsPerSecond: number; peakRssMb: number };
  backupVsPipelinedNdjsonRatio: number;
  incremental?: { changedRecords: number; seconds: number; addedMb: number; timeShareRatio: number; bytesShareRatio: number };
  restore?: { records: number; seconds: number; recordsPerSecond: number };
  concurrentLoop?: { records: number; seconds: number; recordsPerSecond: number };
  restoreVsConcurrentLoopRatio?: number;
}

function databaseBytes(file: string): number {
  const sqlite = new Database(file, { readonly: true });
  const bytes = (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number);
  sqlite.close();
  return bytes;
}

/** The hand-written NDJSON script as plain node; its seconds are its own, from when it starts working. */
async function runNdjsonScript(args: object): Promise<{ seconds: number; peakRss: number; records: number }> {
  const child = spawn(process.execPath, [new URL('./ndjson-baseline.mjs', import.meta.url).pathname, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let peakRss = 0;
  child.stdout.on('data', (chunk) => (output += chunk));
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, peakRssOf(child.pid!));
    } catch {
      // the process has just ended
    }
  }, 50);
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`NDJSON script failed: ${output}`);
  const { records, seconds } = JSON.parse(output) as { records: number; seconds: number };
  return { seconds, peakRss, records };
}

// As the service's restore: 200-record collections, three on their way at once.
const COLLECTION_SIZE = 200;
const CALLS_IN_FLIGHT = 3;

/**
 * What a careful user would write to put records back from the service's snapshot file: read each
 * collection's records of the snapshot (its own rows over its base's) straight from SQLite, read
 * the org's current values of those records (one collection retrieve), and send only the fields
 * that differ as collection updates (so triggers see only real changes, as the service does),
 * as many in flight as the service has.
 */
function plainRestoreLoop(databaseFile: string, snapshotId: string, object: string, updateable: Set<string>, connection: jsforce.Connection) {
  const sqlite = new Database(databaseFile, { readonly: true });
  // Contents are sealed with the organisation's data key, itself wrapped by the service's secret key.
  const { wrappedKey } = sqlite
    .prepare(`select k.wrapped_key as wrappedKey from organisation_keys k join instances i on i.organisation_id = k.organisation_id join snapshots s on s.instance_id = i.id where s.id = ?`)
    .get(snapshotId) as { wrappedKey: string };
  const cipher = unwrapCipher(loadSecretKey(undefined, dirname(databaseFile)), wrappedKey);
  const records = sqlite.prepare(
    `with recursive chain(id, base, sequence) as (
       select id, base_snapshot_id, sequence from snapshots where id = ?
       union all select s.id, s.base_snapshot_id, s.sequence from snapshots s join chain on s.id = chain.base
     )
     select r.record_id as id, v.data as data, max(chain.sequence) from json_each(?) as wanted
     cross join chain
     cross join snapshot_records r on r.snapshot_id = chain.id and r.object = ? and r.record_id = wanted.value
     join record_versions v on v.record_id = r.record_id and v.hash = r.version_hash
     group by r.record_id`,
  );
  return {
    async restore(ids: string[]) {
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const batch = ids.slice(next, (next += COLLECTION_SIZE));
          const rows = records.all(snapshotId, JSON.stringify(batch), object) as { id: string; data: Buffer }[];
          const current = await connection.request<(Record<string, unknown> | null)[]>({
            method: 'POST',
            url: `/composite/sobjects/${object}`,
            body: JSON.stringify({ ids: rows.map((row) => row.id), fields: ['Id', ...updateable] }),
            headers: { 'content-type': 'application/json' },
          });
          const updates = rows.flatMap(({ id, data }, index) => {
            const now = current[index] ?? {};
            const fields = Object.entries(JSON.parse(cipher.open(data).toString('utf8')) as Record<string, unknown>).filter(([name, value]) => updateable.has(name) && (now[name] ?? null) !== (value ?? null));
            return fields.length > 0 ? [Object.fromEntries([['Id', id], ...fields])] : [];
          });
          const saved = await connection.sobject(object).update(updates as { Id: string }[], { allOrNone: false });
          if (saved.length !== updates.length || saved.some((result) => !result.success)) throw new Error(`The plain loop's update failed: ${JSON.stringify(saved.find((r) => !r.success))}`);
        }
      };
      await Promise.all(Array.from({ length: CALLS_IN_FLIGHT }, worker));
    },
    close: () => sqlite.close(),
  };
}

/**
 * Full and incremental backups by the service (in its own process, so its memory is its own)
 * against a plain jsforce NDJSON script, and a restore against a plain loop of collection updates.
 */
export async function benchJobs(options: { recordsPerObject: number; restoreRecords: number; withRestore: boolean }): Promise<JobsBenchResult> {
  buildService();
  const emulator = await startEmulator({ records: options.recordsPerObject, dailyApiLimit: 100_000_000 });
  const dir = mkdtempSync(join(tmpdir(), 'sfbackup-bench-'));
  const databaseFile = join(dir, 'backup.db');
  const service = await startServiceProcess({
    ...emulatorEnvironment(emulator),
    PORT: '0',
    DATABASE_URL: databaseFile,
    ADMIN_API_KEY: OPERATOR_KEY,
    TOKEN_LIMIT: '20',
    // BENCH_SERVICE_NODE_ARGS='--cpu-prof --cpu-prof-dir=profiles' profiles the service process.
  }, process.env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean));
  try {
    const operator = new GraphQLClient(service.url, OPERATOR_KEY);
    const { organisationId, client } = await createOrganisationWithKey(operator, 'Bench');
    const instanceId = await addInstance(client, organisationId, 'PRODUCTION');
    await reauthenticate(client, instanceId, emulator.orgs.PRODUCTION);
    const records = OBJECTS.reduce((sum, object) => sum + emulator.data.PRODUCTION.counts()[object], 0);

    // The script runs before and after the backup, so that a slow spell of the machine weighs on both.
    const session = await authorizeJsforce(emulator);
    const script = () => runNdjsonScript({ instanceUrl: session.instanceUrl, accessToken: session.accessToken!, objects: OBJECTS, out: join(dir, 'records.ndjson') });
    const ndjsonBefore = await script();

    let started = performance.now();
    const full = await backup(client, instanceId, { objects: OBJECTS }, JOB_TIMEOUT_MS);
    const backupSeconds = (performance.now() - started) / 1000;
    if (full.status !== 'SUCCEEDED') throw new Error(`Backup failed: ${full.error}`);
    const fullBytes = databaseBytes(databaseFile);
    const backupPeakRss = service.peakRss();

    const ndjsonAfter = await script();
    const ndjson = {
      seconds: (ndjsonBefore.seconds + ndjsonAfter.seconds) / 2,
      records: ndjsonBefore.records,
      peakRss: Math.max(ndjsonBefore.peakRss, ndjsonAfter.peakRss),
    };

    const result: JobsBenchResult = {
      records,
      backup: {
        seconds: backupSeconds,
        recordsPerSecond: records / backupSeconds,
        peakRssMb: backupPeakRss / MB,
        databaseMb: fullBytes / MB,
        // Salesforce API calls the full backup made, scaled to a million records.
        apiCallsPerMillionRecords: (full.apiCalls / records) * 1_000_000,
      },
      ndjsonScript: { seconds: ndjson.seconds, recordsPerSecond: ndjson.records / ndjson.seconds, peakRssMb: ndjson.peakRss / MB },
      backupVsPipelinedNdjsonRatio: records / backupSeconds / (ndjson.records / ndjson.seconds),
    };

    // 1 % of the records change, then an incremental backup.
    const data = emulator.data.PRODUCTION;
    const changed = Math.round(records / 100);
    let left = changed;
    for (const object of OBJECTS) {
      for (const id of data.ids(object, { limit: Math.ceil(changed / OBJECTS.length) })) {
        if (left-- <= 0) break;
        data.update(id, object === 'Account' ? { Name: `Changed ${id}` } : object === 'Contact' ? { LastName: `Changed ${id}` } : object === 'Opportunity' ? { Name: `Changed ${id}` } : object === 'Case' ? { Subject: `Changed ${id}` } : { Notes__c: `Changed ${id}` });
      }
    }
    started = performance.now();
    const incremental = await backup(client, instanceId, { objects: OBJECTS }, JOB_TIMEOUT_MS);
    const incrementalSeconds = (performance.now() - started) / 1000;
    if (!incremental.snapshot?.incremental) throw new Error('The second backup was not incremental');
    const addedBytes = databaseBytes(databaseFile) - fullBytes;
    result.incremental = {
      changedRecords: changed,
      seconds: incrementalSeconds,
      addedMb: addedBytes / MB,
      timeShareRatio: incrementalSeconds / backupSeconds,
      bytesShareRatio: addedBytes / fullBytes,
    };

    if (options.withRestore) {
      const ids = data.ids('Account', { limit: options.restoreRecords });
      const snapshotId = incremental.snapshot.id;
      const connection = new jsforce.Connection({ instanceUrl: session.instanceUrl, accessToken: session.accessToken!, version: '62.0' });
      const updateable = new Set((await connection.sobject('Account').describe()).fields.filter((f) => f.updateable).map((f) => f.name));
      const editAll = (round: number) => ids.forEach((id) => data.update(id, { Name: `Edited ${round} ${id}` }));

      // A tool launching restores learns of the end as a dashboard does: from the jobUpdated
      // subscription (polling would add up to a polling interval, and load, to every restore).
      const socket = client.ws({ lazy: false });
      const updates = client.subscribeWs(socket, `subscription { jobUpdated { id status progress { failed } } }`);
      await updates.opening();
      const byService = async () => {
        const seen = updates.values.length;
        const started = (await client.query(START_RESTORE, { snapshotId, objects: ['Account'], recordIds: ids })).startRestore;
        if (started.__typename !== 'Job') throw new Error(`Restore refused: ${JSON.stringify(started)}`);
        const finished = () => updates.values.slice(seen).find((update) => update.data?.jobUpdated.id === started.id && FINISHED.has(update.data.jobUpdated.status));
        await updates.until(() => finished() !== undefined, 'the restore to finish', JOB_TIMEOUT_MS);
        const job = finished()!.data.jobUpdated;
        if (job.status !== 'SUCCEEDED' || job.progress.failed > 0) throw new Error(`Restore failed: ${JSON.stringify(job)}`);
      };
      const loop = plainRestoreLoop(databaseFile, Buffer.from(snapshotId, 'base64url').toString('utf8').split(':')[1], 'Account', updateable, connection);
      const byPlainLoop = () => loop.restore(ids);
      // Turn about, so that a slow spell of the machine falls on both alike.
      let restoreSeconds = 0;
      let plainSeconds = 0;
      for (let round = 0; round < RESTORE_ROUNDS; round++) {
        editAll(2 * round);
        restoreSeconds += await secondsOf(byService);
        editAll(2 * round + 1);
        plainSeconds += await secondsOf(byPlainLoop);
      }
      updates.close();
      await socket.dispose();
      loop.close();
      const restored = ids.length * RESTORE_ROUNDS;
      result.restore = { records: ids.length, seconds: restoreSeconds / RESTORE_ROUNDS, recordsPerSecond: restored / restoreSeconds };
      result.concurrentLoop = { records: ids.length, seconds: plainSeconds / RESTORE_ROUNDS, recordsPerSecond: restored / plainSeconds };
      result.restoreVsConcurrentLoopRatio = result.restore.recordsPerSecond / result.concurrentLoop.recordsPerSecond;
    }
    return result;
  } finally {
    await service.stop();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
