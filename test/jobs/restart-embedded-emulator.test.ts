import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reauthenticate } from '../helpers/connected-instance.ts';
import { processDatabase, type ProcessDatabase } from '../helpers/database-rows.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { backup } from '../helpers/operations.ts';

const START_REAUTHENTICATION = `mutation ($instanceId: ID!) { startReauthentication(instanceId: $instanceId) { ... on ReauthenticationStarted { authorizationUrl } } }`;
const emulatorUrlOf = (service: ServiceProcess) => /embedded Salesforce emulator at (http:\/\/\S+)/.exec(service.output())?.[1];

/** `npm start` without a connected app of its own, stopped and started again on the same data folder. */
describe('the embedded emulator across restarts of the service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfbackup-restart-'));
  let database: ProcessDatabase | undefined;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('keeps its orgs, tokens and ports: an instance connected before the restart backs up after it', async () => {
    database = await processDatabase(dir);
    const env = { PORT: '0', ...database.env, ADMIN_API_KEY: OPERATOR_KEY, EMULATOR_RECORDS: '20', TOKEN_LIMIT: '10' };
    service = await startServiceProcess(env);
    const emulatorUrl = emulatorUrlOf(service);
    expect(emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { organisationId, client } = await createOrganisationWithKey(new GraphQLClient(service.url, OPERATOR_KEY), 'Acme');
    const instanceId = await addInstance(client, organisationId, 'PRODUCTION');
    const login = await reauthenticate(client, instanceId, { username: 'admin@prod.example.com', password: 'emulator' });
    expect(login.status).toBe(200);
    const first = await backup(client, instanceId, { objects: ['Account'] });
    expect(first.status, first.error).toBe('SUCCEEDED');

    await service.stop();
    expect(existsSync(join(dir, 'emulator-state.json'))).toBe(true);
    service = await startServiceProcess(env);
    expect(emulatorUrlOf(service)).toBe(emulatorUrl);

    const again = new GraphQLClient(service.url, client.apiKey);
    const after = await backup(again, instanceId, { objects: ['Account', 'Contact'] });
    expect(after.status, after.error).toBe('SUCCEEDED');
    expect(after.snapshot.objects.find((o: { name: string }) => o.name === 'Account')).toMatchObject({ state: 'COMPLETE', recordCount: 20 });
    // "Reauthenticate" opens the emulator's live login page.
    const started = (await again.query(START_REAUTHENTICATION, { instanceId })).startReauthentication;
    expect(started.authorizationUrl.startsWith(`${emulatorUrl}/services/oauth2/authorize?`)).toBe(true);
    expect((await fetch(started.authorizationUrl)).status).toBe(200);
  });
});
