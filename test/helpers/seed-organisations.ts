import type { Viewer } from '../../src/services/viewer.ts';
import { emulatorEnvironment, loginAtSalesforce, type Emulator, type EnvironmentName } from './connected-instance.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { isFinished } from './operations.ts';
import { startTestServer, type TestServer } from './server.ts';
import { waitUntil } from './wait.ts';

const OPERATOR: Viewer = { kind: 'operator' };
// Salesforce keeps five approvals per user and connected app; a sixth evicts the oldest.
const APPROVALS_PER_USER = 5;

export interface SeedOptions {
  instancesPerOrganisation: number;
  backupsPerInstance: number;
}

export interface SeededServer {
  server: TestServer;
  emulator: Emulator;
  dispose(): Promise<void>;
}

/**
 * A server with organisations whose instances were connected through the OAuth flow and backed up
 * by the worker, all through the services, as users would have built them. Instances are connected
 * and backed up a few at a time, so no approval is evicted before its backups have run.
 */
export async function startSeededServer(organisations: number, options: SeedOptions): Promise<SeededServer> {
  const emulator = await startEmulator({ port: 0, records: 5 });
  const server = await startTestServer({ ...emulatorEnvironment(emulator), JOB_CONCURRENCY: '4', LOG_LEVEL: 'silent' });
  const { services } = server.app;

  const pending: { environment: EnvironmentName; instanceId: string }[] = [];
  for (let o = 0; o < organisations; o++) {
    const organisation = await services.organisations.create(`Organisation ${o}`);
    for (let i = 0; i < options.instancesPerOrganisation; i++) {
      const environment: EnvironmentName = pending.length % 2 === 0 ? 'PRODUCTION' : 'SANDBOX';
      const instance = await services.instances.add(OPERATOR, organisation.id, environment, `Instance ${o}.${i}`);
      pending.push({ environment, instanceId: instance.id });
    }
  }

  async function connectAndBackUp({ environment, instanceId }: (typeof pending)[number]) {
    const org = emulator.orgs[environment];
    const started = await services.reauthentication.start(OPERATOR, instanceId);
    const callback = new URL(await loginAtSalesforce(started.authorizationUrl, { username: org.username, password: org.password }));
    await services.reauthentication.complete(OPERATOR, callback.searchParams.get('state')!, callback.searchParams.get('code')!);
    for (let b = 0; b < options.backupsPerInstance; b++) {
      const job = await services.jobs.startBackup(OPERATOR, instanceId, ['Account', 'Contact'], false);
      await waitUntil(async () => isFinished((await services.jobs.get(OPERATOR, job.id)).status), `backup ${job.id} to end`);
    }
  }

  for (let start = 0; start < pending.length; start += APPROVALS_PER_USER * 2) {
    await Promise.all(pending.slice(start, start + APPROVALS_PER_USER * 2).map(connectAndBackUp));
  }
  return {
    server,
    emulator,
    dispose: async () => {
      await server.dispose();
      await emulator.close();
    },
  };
}
