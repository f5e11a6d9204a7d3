import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchFanOut } from './fan-out.ts';
import { benchJobs } from './jobs.ts';
import { benchReadPath } from './read-path.ts';

// jsforce would send loopback traffic through a proxy.
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    large: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const sizes = values.quick
  ? { connections: 10, durationSeconds: 3, subscribers: 200, recordsPerObject: 4_000, restoreRecords: 2_000 }
  : { connections: 50, durationSeconds: 10, subscribers: 1000, recordsPerObject: 40_000, restoreRecords: 20_000 };

type Row = [section: string, measure: string, value: string];
const rows: Row[] = [];
const results: Record<string, unknown> = { quick: values.quick, startedAt: new Date().toISOString() };
const fixed = (value: number, digits = 1) => value.toFixed(digits);

console.log(`Benchmark (${values.quick ? 'quick' : 'full'} sizes); this takes a while…`);

const read = await benchReadPath({ connections: sizes.connections, durationSeconds: sizes.durationSeconds });
results.readPath = read;
rows.push(
  ['read path', 'dashboard query req/s (p99 ms)', `${fixed(read.dashboard.requestsPerSecond)} (${read.dashboard.p99Ms})`],
  ['read path', 'yoga hello req/s (p99 ms)', `${fixed(read.yogaHello.requestsPerSecond)} (${read.yogaHello.p99Ms})`],
  ['read path', 'raw node:http req/s (p99 ms)', `${fixed(read.rawHttp.requestsPerSecond)} (${read.rawHttp.p99Ms})`],
  ['read path', 'dashboard / yoga hello', fixed(read.dashboardVsYogaHelloRatio, 3)],
  ['read path', 'dashboard / raw http', fixed(read.dashboardVsRawHttpRatio, 3)],
  ['read path', 'SQL statements per request', fixed(read.sqlStatementsPerRequest, 2)],
);

const fanOut = await benchFanOut({ clients: sizes.subscribers });
results.fanOut = fanOut;
rows.push(
  ['fan-out', `${fanOut.clients} graphql-ws subscribers p50 / p99 ms`, `${fixed(fanOut.service.p50Ms)} / ${fixed(fanOut.service.p99Ms)}`],
  ['fan-out', `raw ws to ${fanOut.clients} sockets p50 / p99 ms`, `${fixed(fanOut.rawWs.p50Ms)} / ${fixed(fanOut.rawWs.p99Ms)}`],
  ['fan-out', 'p99 service / raw ws', fixed(fanOut.fanOutP99VsRawWsRatio, 2)],
);

const jobs = await benchJobs({ recordsPerObject: sizes.recordsPerObject, restoreRecords: sizes.restoreRecords, withRestore: true });
results.jobs = jobs;
rows.push(
  ['backup', `full backup of ${jobs.records} records: rec/s (peak RSS MB)`, `${fixed(jobs.backup.recordsPerSecond, 0)} (${fixed(jobs.backup.peakRssMb)})`],
  ['backup', 'plain jsforce NDJSON script: rec/s (peak RSS MB)', `${fixed(jobs.ndjsonScript.recordsPerSecond, 0)} (${fixed(jobs.ndjsonScript.peakRssMb)})`],
  ['backup', 'service / NDJSON script', fixed(jobs.backupVsNdjsonRatio, 3)],
  ['backup', `incremental after 1 % changed: seconds (MB added)`, `${fixed(jobs.incremental!.seconds, 2)} (${fixed(jobs.incremental!.addedMb, 2)})`],
  ['backup', 'incremental / full: time', fixed(jobs.incremental!.timeShareRatio, 3)],
  ['backup', 'incremental / full: bytes', fixed(jobs.incremental!.bytesShareRatio, 4)],
  ['restore', `restore of ${jobs.restore!.records} changed records: rec/s`, fixed(jobs.restore!.recordsPerSecond, 0)],
  ['restore', 'plain jsforce 200-record update loop: rec/s', fixed(jobs.plainJsforceUpdates!.recordsPerSecond, 0)],
  ['restore', 'service / plain loop', fixed(jobs.restoreVsPlainJsforceRatio!, 3)],
);

if (values.large) {
  const large = await benchJobs({ recordsPerObject: 200_000, restoreRecords: 0, withRestore: false });
  results.large = large;
  rows.push(
    ['large', `full backup of ${large.records} records: rec/s`, fixed(large.backup.recordsPerSecond, 0)],
    ['large', 'peak RSS of the service (MB)', fixed(large.backup.peakRssMb)],
  );
}

const width = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), 8));
const line = (row: string[]) => row.map((cell, i) => cell.padEnd(width[i])).join('  ');
console.log(line(['section', 'measure', 'value']));
console.log(width.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));

// Keys ending in Ratio are the figures to compare across runs.
results.ratios = {
  dashboardVsYogaHelloRatio: read.dashboardVsYogaHelloRatio,
  dashboardVsRawHttpRatio: read.dashboardVsRawHttpRatio,
  fanOutP99VsRawWsRatio: fanOut.fanOutP99VsRawWsRatio,
  backupVsNdjsonRatio: jobs.backupVsNdjsonRatio,
  incrementalTimeShareRatio: jobs.incremental!.timeShareRatio,
  incrementalBytesShareRatio: jobs.incremental!.bytesShareRatio,
  restoreVsPlainJsforceRatio: jobs.restoreVsPlainJsforceRatio,
};
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote ${values.out}`);
}
process.exit(0);
