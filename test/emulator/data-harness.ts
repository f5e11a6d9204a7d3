/** One emulator org's data behind the real emulator server, with a jsforce session on it. */
import jsforce from 'jsforce';
import type { OrgData } from '../../src/emulator/org-data/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { authorizeJsforce } from '../helpers/emulator-login.ts';

export interface DataHarness {
  data: OrgData;
  instanceUrl: string;
  accessToken: string;
  connection(): jsforce.Connection;
  close(): Promise<void>;
}

export async function startDataHarness(options: { records?: number } = {}): Promise<DataHarness> {
  const emulator = await startEmulator({ port: 0, records: options.records ?? 50, dailyApiLimit: 10_000_000 });
  const session = await authorizeJsforce(emulator, 'PRODUCTION');
  const instanceUrl = session.instanceUrl;
  const accessToken = session.accessToken!;
  return {
    data: emulator.data.PRODUCTION,
    instanceUrl,
    accessToken,
    connection: () => new jsforce.Connection({ instanceUrl, accessToken, version: '62.0' }),
    close: () => emulator.close(),
  };
}
