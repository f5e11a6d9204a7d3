import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, reauthenticate, type Emulator } from '../helpers/connected-instance.ts';
import { processDatabase, type ProcessDatabase } from '../helpers/database-rows.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { backup, restore, START_RESTORE } from '../helpers/operations.ts';

const INVOICES = 900;

describe('a service killed with SIGKILL while restore creates are in flight', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sfbackup-kill-restore-'));
  let emulator: Emulator | undefined;
  let service: ServiceProcess | undefined;
  let database: ProcessDatabase | undefined;
  afterAll(async () => {
    await service?.stop();
    await emulator?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after a restart, a rerun finds what Salesforce created, creates only the rest, and the org holds each record once', async () => {
    emulator = await startEmulator({ port: 0, records: 10 });
    const source = emulator.data.PRODUCTION;
    const target = emulator.data.SANDBOX;
    // Every third invoice is the twin of another: creates with equal values are interchangeable.
    const invoices = Array.from({ length: INVOICES }, (_, i) => source.insert('Invoice__c', { Amount__c: i % 300, Notes__c: `batch ${i % 3}` }));
    database = await processDatabase(dataDir);
    const env = {
      ...emulatorEnvironment(emulator),
      PORT: '0',
      HOST: '127.0.0.1',
      ...database.env,
      ADMIN_API_KEY: OPERATOR_KEY,
      // The restarted service ends the killed job once its lease has passed; the rerun waits for that.
      JOB_LEASE_SECONDS: '2',
      // The rerun looks for the killed job's creates once Salesforce can no longer be carrying them out.
      SALESFORCE_CALL_TIMEOUT_SECONDS: '2',
    };
    service = await startServiceProcess(env);
    const { organisationId, client } = await createOrganisationWithKey(new GraphQLClient(service.url, OPERATOR_KEY), 'Acme');
    const production = await addInstance(client, organisationId, 'PRODUCTION');
    const sandbox = await addInstance(client, organisationId, 'SANDBOX');
    await reauthenticate(client, production, emulator.orgs.PRODUCTION);
    await reauthenticate(client, sandbox, emulator.orgs.SANDBOX);
    const snapshot = (await backup(client, production, { objects: ['Invoice__c'] })).snapshot;
    const before = target.counts().Invoice__c;

    // Three creates go through, but their answers are held back; the service dies waiting for them.
    emulator.failNext({ method: 'POST', path: '^/services/data/v62.0/composite/sobjects$', apply: true, holdMs: 60_000, count: 3, environment: 'SANDBOX' });
    const started = (await client.query(START_RESTORE, { snapshotId: snapshot.id, recordIds: invoices, targetInstanceId: sandbox })).startRestore;
    expect(started.__typename).toBe('Job');
    const deadline = Date.now() + 30_000;
    while (target.counts().Invoice__c < before + 600 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(target.counts().Invoice__c).toBe(before + 600);
    service.child.kill('SIGKILL');
    await new Promise((resolve) => service!.child.once('exit', resolve));

    // The creates' intents outlived the process; their new ids were never heard.
    const left = database.rows();
    expect(await left.count('select count(*) as n from restore_intents')).toBe(600);
    expect(await left.count('select count(*) as n from restored_records')).toBe(0);
    await left.close();

    service = await startServiceProcess(env);
    const restarted = new GraphQLClient(service.url, client.apiKey);
    const rerun = await restore(restarted, snapshot.id, { recordIds: invoices, targetInstanceId: sandbox });
    expect(rerun.status, JSON.stringify(rerun.failures)).toBe('SUCCEEDED');
    expect(rerun.failures.nodes).toEqual([]);
    expect(target.counts().Invoice__c).toBe(before + INVOICES);
    // The 600 found are counted as created by the run that mapped them, with the 300 it sent.
    expect(rerun.restoreSummary).toMatchObject({ created: INVOICES, failed: 0 });
    const after = database.rows();
    expect(await after.count('select count(*) as n from restore_intents')).toBe(0);
    expect(await after.count('select count(distinct new_id) as n from restored_records')).toBe(INVOICES);
    await after.close();
  });
});
