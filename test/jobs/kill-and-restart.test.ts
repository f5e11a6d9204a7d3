import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, reauthenticate, type Emulator } from '../helpers/connected-instance.ts';
import { processDatabase, type ProcessDatabase } from '../helpers/database-rows.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { isFinished, START_BACKUP } from '../helpers/operations.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { serviceArgs } from '../helpers/service-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const JOB = `query ($id: ID!) { job(id: $id) { ... on Job { id status error progress { processed total } snapshot { id } } } }`;
const JOB_UPDATED = `subscription ($jobId: ID) { jobUpdated(jobId: $jobId) { id status progress { processed total } } }`;
const SNAPSHOTS = `query ($id: ID!) {
  instance(id: $id) { ... on Instance { snapshots(first: 10) { nodes { id recordCount objects { name state recordCount } } } } }
}`;

interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/** The built service as its own process (node itself, no npm in between, so the kill reaches the server). */
async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, serviceArgs(), {
    cwd: ROOT,
    env: { ...process.env, HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphQL API on (http:\/\/\S+)\/graphql/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`The server exited before listening: ${output}`)));
  });
  return { child, url, exited };
}

describe('a server killed with SIGKILL in the middle of a backup', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sfbackup-kill-'));
  let emulator: Emulator | undefined;
  let server: ServerProcess | undefined;
  let database: ProcessDatabase | undefined;

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await emulator?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps no partial snapshot as complete, fails the interrupted job with a clear error, and passes the integrity check', async () => {
    emulator = await startEmulator({ port: 0, records: 100 });
    const data = emulator.data.PRODUCTION;
    const account = data.ids('Account', { limit: 1 })[0];
    // Enough invoices for several pages, so the kill lands between pages.
    for (let i = 0; i < 12_000; i++) data.insert('Invoice__c', { Account__c: account, Amount__c: i });

    database = await processDatabase(dataDir);
    const env = {
      ...emulatorEnvironment(emulator),
      PORT: '0',
      HOST: '127.0.0.1',
      ...database.env,
      ADMIN_API_KEY: OPERATOR_KEY,
      LOG_LEVEL: 'info',
      // The restarted service fails the killed process's job once its lease has run out.
      JOB_LEASE_SECONDS: '2',
    };
    server = await spawnServer(env);
    const operator = new GraphQLClient(server.url, OPERATOR_KEY);
    const { organisationId, client: admin } = await createOrganisationWithKey(operator, 'Acme');
    const instanceId = await addInstance(admin, organisationId, 'PRODUCTION');
    const org = emulator.orgs.PRODUCTION;
    expect((await reauthenticate(admin, instanceId, { username: org.username, password: org.password })).status).toBe(200);

    // Slow Salesforce down so the backup is surely still running when its first page is stored.
    emulator.setLatency(200);
    const started = (await admin.query(START_BACKUP, { instanceId })).startBackup;
    expect(started.__typename).toBe('Job');
    const socket = admin.ws();
    const updates = admin.subscribeWs(socket, JOB_UPDATED, { jobId: started.id });
    await updates.until(
      () => updates.values.some((v) => v.data?.jobUpdated.status === 'RUNNING' && v.data.jobUpdated.progress.processed > 0),
      'a stored page',
      60_000,
    );
    // A reauthentication while it runs: the job keeps its (now superseded) grant until it ends.
    expect((await reauthenticate(admin, instanceId, { username: org.username, password: org.password })).status).toBe(200);
    expect(emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(2);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    await socket.dispose();
    emulator.setLatency(0);

    // What the killed process left behind: a snapshot that was never marked complete.
    const left = database.rows();
    const killed = await left.all<{ status: string }>('select status from jobs');
    expect(killed).toEqual([{ status: 'RUNNING' }]); // killed mid-backup, not after it
    const partial = await left.all<{ id: string; completed_at: number | null }>('select id, completed_at from snapshots');
    expect(partial).toHaveLength(1);
    expect(partial[0].completed_at).toBeNull();
    expect(await left.count('select count(*) as n from snapshot_records where snapshot_id = ?', partial[0].id)).toBeGreaterThan(0);
    await left.close();

    server = await spawnServer(env);
    const restarted = new GraphQLClient(server.url, admin.apiKey);
    let job = (await restarted.query(JOB, { id: started.id })).job;
    const leaseDeadline = Date.now() + 10_000;
    while (job.status === 'RUNNING' && Date.now() < leaseDeadline) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await restarted.query(JOB, { id: started.id })).job;
    }
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatch(/restarted/);
    expect(job.snapshot).toBeNull();
    expect((await restarted.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes).toEqual([]);
    // The superseded grant is given back at Salesforce now that its job is over.
    const deadline = Date.now() + 10_000;
    while (emulator.counters().orgs.PRODUCTION.approvalsHeld > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(1);

    // The service goes on: the next backup completes with the org's counts.
    const next = (await restarted.query(START_BACKUP, { instanceId })).startBackup;
    expect(next.__typename).toBe('Job');
    const nextSocket = restarted.ws();
    const nextUpdates = restarted.subscribeWs(nextSocket, JOB_UPDATED, { jobId: next.id });
    await nextUpdates.opening();
    let finished = (await restarted.query(JOB, { id: next.id })).job;
    if (finished.status === 'QUEUED' || finished.status === 'RUNNING') {
      await nextUpdates.until(
        () => nextUpdates.values.some((v) => isFinished(v.data?.jobUpdated.status)),
        'the next backup to finish',
        60_000,
      );
      finished = (await restarted.query(JOB, { id: next.id })).job;
    }
    await nextSocket.dispose();
    expect(finished).toMatchObject({ status: 'SUCCEEDED', error: null });
    const snapshots = (await restarted.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes;
    expect(snapshots).toHaveLength(1);
    const counts = data.counts();
    for (const object of snapshots[0].objects.filter((o: { state: string }) => o.state === 'COMPLETE')) {
      expect(object.recordCount, object.name).toBe(counts[object.name]);
    }

    server.child.kill('SIGTERM');
    await server.exited;
    const after = database.rows();
    if (database.engine === 'sqlite') {
      // SQLite's own checks of its file; PostgreSQL keeps its pages and foreign keys itself.
      const file = await after.get('pragma integrity_check');
      expect(file).toEqual({ integrity_check: 'ok' });
      expect(await after.all('pragma foreign_key_check')).toEqual([]);
    }
    // The interrupted snapshot's rows went with it; only the complete one is left.
    expect(await after.count('select count(*) as n from snapshots where completed_at is null')).toBe(0);
    expect(await after.count('select count(*) as n from snapshot_records where snapshot_id not in (select id from snapshots)')).toBe(0);
    await after.close();
  });
});
