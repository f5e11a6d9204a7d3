/**
 * Exports a 1,000,000-record object through the built service and reports its peak memory, then
 * times comparisons at that size. Not part of the test suite (it stores two million records):
 *
 *   npx tsx test/bench/export-memory.ts [records]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from 'graphql-yoga';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { SnapshotRow } from '../../db/schema.ts';
import { sqliteStore } from '../../db/sqlite/store.ts';
import { createSnapshotService } from '../../src/services/snapshots.ts';
import { recordText } from '../../src/salesforce/query.ts';
import { globalId } from '../../schema/ids.ts';
import { buildService, startServiceProcess } from '../helpers/service-process.ts';
import { sqliteHandleOf } from '../helpers/server.ts';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const KEY = 'export-memory-operator-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'sfbackup-export-'));
const env = { DATABASE_URL: join(dir, 'backup.db'), ADMIN_API_KEY: KEY, SALESFORCE_CLIENT_ID: 'none', SALESFORCE_CLIENT_SECRET: 'none', PORT: '0', LOG_LEVEL: 'info' };
const rssOf = (pid: number | 'self', field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(2));

const id = (n: number) => `003${n.toString(36).padStart(12, '0')}AAA`;
const contact = (n: number, version: number) => ({
  Id: id(n),
  IsDeleted: false,
  AccountId: `001${(n % 50_000).toString(36).padStart(12, '0')}AAA`,
  FirstName: `First ${n}`,
  LastName: `Last, "${n}"`,
  Email: `person${n}@example.com`,
  Phone: '+1 555 0100',
  Title: version ? `Title v${version}` : null,
  Birthdate: '1980-01-31',
  HasOptedOutOfEmail: n % 2 === 0,
  Description: `Line one\nline two of ${n}`,
  CreatedDate: '2024-07-05T05:40:45.000+0000',
  SystemModstamp: `2024-07-0${version + 5}T05:40:45.000+0000`,
});

// A full snapshot of RECORDS Contacts, an incremental changing 1 % and deleting 0.1 %, and a full one after it.
const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
const app = await createApp(config, createLogger('silent'));
const organisation = await app.services.organisations.create('Export memory');
const instance = await app.services.instances.add({ kind: 'operator' }, organisation.id, 'PRODUCTION', 'Large');
const storage = createSnapshotService(sqliteStore(sqliteHandleOf(app)).snapshots, app.dataKeys);
const store = async (snapshot: SnapshotRow, from: number, to: number, version: (n: number) => number) => {
  for (let start = from; start < to; start += 5000) {
    const records = [];
    for (let n = start; n < Math.min(to, start + 5000); n++) records.push(recordText(contact(n, version(n))));
    await storage.storeRecords(snapshot.id, 'Contact', records);
  }
};
const complete = (snapshot: SnapshotRow) =>
  storage.complete(snapshot, [{ name: 'Contact', highWaterMark: null, state: 'COMPLETE', reason: null, hasBlobs: false }]);
const changed = RECORDS / 100;
let started = performance.now();
const full = await storage.begin(instance.id, 'bench', undefined);
await store(full, 0, RECORDS, () => 0);
await complete(full);
const storedFull = seconds(started);
const incremental = await storage.begin(instance.id, 'bench', full);
await store(incremental, 0, changed, () => 1);
await storage.storeRecords(incremental.id, 'Contact', Array.from({ length: changed / 10 }, (_, k) => recordText({ ...contact(RECORDS - 1 - k, 0), IsDeleted: true })));
await complete(incremental);
const secondFull = await storage.begin(instance.id, 'bench', undefined);
await store(secondFull, 0, RECORDS - changed / 10, (n) => (n < changed ? 1 : n < 2 * changed ? 2 : 0));
await complete(secondFull);

const compare = app.services.compare;
const timings: Record<string, number> = {};
for (const snapshot of [full, incremental, secondFull]) {
  started = performance.now();
  await compare.recordChanges(snapshot);
  timings[`noteChanges ${snapshot === full ? 'first full' : snapshot === incremental ? 'incremental' : 'second full'}`] = seconds(started);
}
for (const [name, from, to] of [['full → incremental', full, incremental], ['incremental → second full', incremental, secondFull], ['full → second full', full, secondFull]] as const) {
  const comparison = await compare.comparison(from, to);
  started = performance.now();
  const counts = await compare.counts(comparison);
  timings[`counts ${name}`] = seconds(started);
  started = performance.now();
  await compare.changes(comparison, { first: 50 });
  timings[`first page ${name}`] = seconds(started);
  started = performance.now();
  await compare.changes(comparison, { first: 50, kinds: ['DELETED'] });
  timings[`first page of deletions ${name}`] = seconds(started);
  console.log(name, JSON.stringify(counts));
}
await app.close();

// The export, from the built service in its own process, as `npm start` runs it.
buildService();
const service = await startServiceProcess(env);
const pid = service.child.pid!;
const rssBefore = rssOf(pid, 'VmRSS');
let rssDuring = rssBefore;
const sampler = setInterval(() => (rssDuring = Math.max(rssDuring, rssOf(pid, 'VmRSS'))), 100);
started = performance.now();
const response = await fetch(`${service.url}/exports?snapshot=${globalId('Snapshot', secondFull.id)}&object=Contact`, { headers: { authorization: `Bearer ${KEY}` } });
let bytes = 0;
let lines = 0;
for await (const chunk of response.body! as unknown as AsyncIterable<Uint8Array>) {
  bytes += chunk.byteLength;
  for (const byte of chunk) if (byte === 10) lines += 1;
}
const exportSeconds = seconds(started);
clearInterval(sampler);
const peak = rssOf(pid, 'VmHWM');
await service.stop();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      records: RECORDS,
      storeFullSeconds: storedFull,
      export: { status: response.status, seconds: exportSeconds, megabytes: Number((bytes / 1e6).toFixed(1)), lines, rssBeforeMb: rssBefore, rssPeakDuringMb: rssDuring, vmHwmMb: peak },
      compareSeconds: timings,
    },
    null,
    2,
  ),
);
