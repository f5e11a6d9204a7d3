import { join } from 'node:path';
import Database from 'better-sqlite3';
import { rawId } from '../unattended/helpers.ts';
import { emulatorEnvironment, startConnectedInstance } from './connected-instance.ts';
import { OPERATOR_KEY } from './server.ts';
import { startServiceProcess, type ServiceProcess } from './service-process.ts';

export interface JobRowState {
  status: string;
  error: string | null;
  lease_owner: string | null;
  processed: number;
  started_at: number | null;
}

/**
 * A connected instance whose service then runs as processes of its own on the one SQLite file, as
 * `npm start` runs it: for what happens between workers. The test reads the file directly.
 */
export async function processesOnOneFile(emulatorRecords: number) {
  const setup = await startConnectedInstance({ emulator: { records: emulatorRecords } });
  await setup.server.stop();
  const databaseFile = join(setup.server.dataDir, 'backup.db');
  const env = { ...emulatorEnvironment(setup.emulator), PORT: '0', DATABASE_URL: databaseFile, ADMIN_API_KEY: OPERATOR_KEY };
  const database = new Database(databaseFile, { readonly: true });
  const services: ServiceProcess[] = [];
  return {
    setup,
    /** Starts a service process on the file, with these variables besides. */
    async start(variables: Record<string, string> = {}): Promise<ServiceProcess> {
      const service = await startServiceProcess({ ...env, ...variables });
      services.push(service);
      return service;
    },
    jobRow: (id: string) =>
      database.prepare('select status, error, lease_owner, processed, started_at from jobs where id = ?').get(rawId(id)) as JobRowState,
    unfinishedSnapshots: () => (database.prepare('select count(*) as n from snapshots where completed_at is null').get() as { n: number }).n,
    async close() {
      for (const service of services.splice(0)) await service.stop();
      database.close();
      await setup.close();
    },
  };
}
