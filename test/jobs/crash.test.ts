import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, reauthenticate } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess as startService } from '../helpers/service-process.ts';
import { backup, jobState, START_BACKUP } from './operations.ts';

describe('a crash in the middle of a backup', () => {
  let emulator: Emulator | undefined;
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no partial snapshot marked complete, fails the job on restart, and keeps the database sound', async () => {
    emulator = await startEmulator({ records: 8000 });
    dir = mkdtempSync(join(tmpdir(), 'sfbackup-crash-'));
    const env = { ...emulatorEnvironment(emulator), PORT: '0', DATABASE_URL: join(dir, 'backup.db'), ADMIN_API_KEY: OPERATOR_KEY };
    let service = await startService(env);
    child = service.child;
    const operator = new GraphQLClient(service.url, OPERATOR_KEY);
    const { organisationId, client } = await createOrganisationWithKey(operator, 'Acme');
    const instanceId = await addInstance(client, organisationId, 'PRODUCTION');
    expect((await reauthenticate(client, instanceId, emulator.orgs.PRODUCTION)).status).toBe(200);

    emulator.setLatency(40);
    const jobId = (await client.query(START_BACKUP, { instanceId, objects: ['Account', 'Contact', 'Opportunity'] })).startBackup.id;
    for (;;) {
      const job = await jobState(client, jobId);
      if (job.progress.processed >= 2000) break;
      expect(job.status).not.toBe('SUCCEEDED');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await once(child, 'exit');
    emulator.setLatency(0);

    const sqlite = new Database(join(dir, 'backup.db'));
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = sqlite.prepare('select count(*) as n from snapshot_records').get() as { n: number };
    expect(stored.n).toBeGreaterThanOrEqual(2000); // pages written before the crash survived it…
    const complete = sqlite.prepare('select count(*) as n from snapshots where completed_at is not null').get() as { n: number };
    expect(complete.n).toBe(0); // …but never as a complete snapshot
    sqlite.close();

    service = await startService(env);
    child = service.child;
    const restarted = new GraphQLClient(service.url, client.apiKey);
    const job = await jobState(restarted, jobId);
    expect(job).toMatchObject({ status: 'FAILED', error: 'The service restarted while this job was running; start it again', snapshot: null });

    const again = await backup(restarted, instanceId, { objects: ['Account'] });
    expect(again.status).toBe('SUCCEEDED');
    expect(again.snapshot.objects).toEqual([{ name: 'Account', recordCount: 8000, deletedCount: 0 }]);
  });
});
