import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchFanOut } from './fan-out.ts';
import { benchJobs } from './jobs.ts';
import { benchReadPath } from './read-path.ts';
import { benchWorkerScaling, type WorkerPair } from './worker-scaling.ts';

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
  ? { connections: 4, durationSeconds: 4, organisations: 10, subscribers: 200, subscriberOrganisations: 20, recordsPerObject: 4_000, restoreRecords: 2_000, scalingRecordsPerObject: 5_000 }
  : { connections: 8, durationSeconds: 12, organisations: 50, subscribers: 1000, subscriberOrganisations: 100, recordsPerObject: 40_000, restoreRecords: 20_000, scalingRecordsPerObject: 10_000 };

type Row = [section: string, measure: string, value: string];
const rows: Row[] = [];
const results: Record<string, unknown> = { quick: values.quick, startedAt: new Date().toISOString() };
const fixed = (value: number, digits = 1) => value.toFixed(digits);
const percent = (share: number) => `${(share * 100).toFixed(0)} %`;
const load = (result: { requestsPerSecond: number; p99Ms: number }) => `${fixed(result.requestsPerSecond)} (${fixed(result.p99Ms, 0)})`;

console.log(`Benchmark (${values.quick ? 'quick' : 'full'} sizes); this takes a while…`);

const read = await benchReadPath({ connections: sizes.connections, durationSeconds: sizes.durationSeconds, organisations: sizes.organisations });
results.readPath = read;
rows.push(
  ['read path', `dashboard query, ${read.organisations} organisations (${fixed(read.responseBytes / 1024, 0)} KB): uncached req/s (p99 ms)`, load(read.dashboardUncached)],
  ['read path', 'dashboard query, cached: req/s (p99 ms)', load(read.dashboardCached)],
  ['read path', 'hand-written node:http + better-sqlite3, same JSON: req/s (p99 ms)', load(read.handWritten)],
  ['read path', 'yoga hello: req/s (p99 ms)', load(read.yogaHello)],
  ['read path', 'uncached / hand-written', fixed(read.dashboardUncachedVsHandWrittenRatio, 3)],
  ['read path', 'cached / hand-written', fixed(read.dashboardCachedVsHandWrittenRatio, 3)],
  ['read path', 'SQL statements, uncached, 10 / 100 organisations', `${read.sqlStatementsUncached10} / ${read.sqlStatementsUncached100}`],
);

const fanOut = await benchFanOut({ clients: sizes.subscribers, organisations: sizes.subscriberOrganisations });
results.fanOut = fanOut;
rows.push(
  ['fan-out', `${fanOut.clients} dashboards, ${fanOut.organisations} organisations, a key each: p50 / p99 ms`, `${fixed(fanOut.service.p50Ms)} / ${fixed(fanOut.service.p99Ms)}`],
  ['fan-out', `raw ws to ${fanOut.clients} sockets: p50 / p99 ms`, `${fixed(fanOut.rawWs.p50Ms)} / ${fixed(fanOut.rawWs.p99Ms)}`],
  ['fan-out', 'p99 service / raw ws', fixed(fanOut.fanOutDistinctKeysP99VsRawWsRatio, 2)],
  ['fan-out', 'startBackup p50 / p99 ms without dashboards', `${fixed(fanOut.startBackup.withoutSubscribersP50Ms)} / ${fixed(fanOut.startBackup.withoutSubscribersP99Ms)}`],
  ['fan-out', `startBackup p50 / p99 ms with ${fanOut.clients} dashboards`, `${fixed(fanOut.startBackup.withSubscribersP50Ms)} / ${fixed(fanOut.startBackup.withSubscribersP99Ms)}`],
  ['fan-out', 'startBackup p99 with / without', fixed(fanOut.mutationDelayUnderFanOutRatio, 2)],
);

const jobs = await benchJobs({ recordsPerObject: sizes.recordsPerObject, restoreRecords: sizes.restoreRecords, withRestore: true });
results.jobs = jobs;
rows.push(
  ['backup', `full backup of ${jobs.records} records: rec/s (peak RSS MB)`, `${fixed(jobs.backup.recordsPerSecond, 0)} (${fixed(jobs.backup.peakRssMb)})`],
  ['backup', 'pipelined jsforce NDJSON script (plain node): rec/s (peak RSS MB)', `${fixed(jobs.ndjsonScript.recordsPerSecond, 0)} (${fixed(jobs.ndjsonScript.peakRssMb)})`],
  ['backup', 'service / NDJSON script', fixed(jobs.backupVsPipelinedNdjsonRatio, 3)],
  ['backup', 'full backup: API calls per million records', fixed(jobs.backup.apiCallsPerMillionRecords, 1)],
  ['backup', `incremental after 1 % changed: seconds (MB added)`, `${fixed(jobs.incremental!.seconds, 2)} (${fixed(jobs.incremental!.addedMb, 2)})`],
  ['backup', 'incremental / full: time', fixed(jobs.incremental!.timeShareRatio, 3)],
  ['backup', 'incremental / full: bytes', fixed(jobs.incremental!.bytesShareRatio, 4)],
  ['restore', `restore of ${jobs.restore!.records} changed records: rec/s`, fixed(jobs.restore!.recordsPerSecond, 0)],
  ['restore', 'plain jsforce loop from the snapshot file (read, then changed fields), 3 in flight: rec/s', fixed(jobs.concurrentLoop!.recordsPerSecond, 0)],
  ['restore', 'service / plain loop', fixed(jobs.restoreVsConcurrentLoopRatio!, 3)],
);

const large = values.large ? await benchJobs({ recordsPerObject: 200_000, restoreRecords: 0, withRestore: false }) : undefined;
if (large) {
  results.large = large;
  rows.push(
    ['large', `full backup of ${large.records} records: rec/s`, fixed(large.backup.recordsPerSecond, 0)],
    ['large', 'peak RSS of the service (MB)', fixed(large.backup.peakRssMb)],
    ['large', 'full backup: API calls per million records', fixed(large.backup.apiCallsPerMillionRecords, 1)],
  );
}

// On PostgreSQL only (several workers need a database they share): TEST_DATABASE_URL names the server.
const databaseUrl = process.env.TEST_DATABASE_URL;
const scaling = databaseUrl
  ? await benchWorkerScaling({ databaseUrl, redisUrl: process.env.TEST_REDIS_URL, recordsPerObject: sizes.scalingRecordsPerObject, jobsPerWorker: 2 })
  : undefined;
if (scaling) {
  results.workerScaling = scaling;
  const pairRows = (pair: WorkerPair, workers: string): Row[] => [
    ['scale-out', `full backups of ${scaling.instances} instances (${scaling.records} records) on PostgreSQL, ${workers}, 1 worker: rec/s`, fixed(pair.oneWorker.recordsPerSecond, 0)],
    ['scale-out', `the same, 2 workers (${scaling.jobsPerWorker} jobs at once each): rec/s`, fixed(pair.twoWorkers.recordsPerSecond, 0)],
    ['scale-out', '2 workers / 1', fixed(pair.ratio, 3)],
    ['scale-out', `machine CPU busy (${cpus().length} cores, all processes), 1 worker / 2 workers`, `${percent(pair.oneWorker.machineCpuBusy)} / ${percent(pair.twoWorkers.machineCpuBusy)}`],
    ['scale-out', 'machine CPU ms per 1,000 records (all processes), 1 worker / 2 workers', `${fixed(pair.oneWorker.cpuMsPerThousandRecords, 0)} / ${fixed(pair.twoWorkers.cpuMsPerThousandRecords, 0)}`],
    ['scale-out', 'worker processes\' CPU ms per 1,000 records, 1 worker / 2 workers', `${fixed(pair.oneWorker.workerCpuMsPerThousandRecords, 1)} / ${fixed(pair.twoWorkers.workerCpuMsPerThousandRecords, 1)}`],
  ];
  if (scaling.budgeted) {
    rows.push(...pairRows(scaling.budgeted, `each worker held to ${fixed(scaling.workerCpuCores!, 2)} cores, the median of ${scaling.budgetedRatios.length} pairs`));
    rows.push(['scale-out', 'each held pair, 2 workers / 1, low to high', scaling.budgetedRatios.map((ratio) => fixed(ratio, 3)).join(' ')]);
    rows.push([
      'scale-out',
      "each held pair, in that order: worker processes' CPU ms per 1,000 records, 1 worker / 2 workers",
      scaling.budgetedPairs.map((pair) => `${fixed(pair.oneWorker.workerCpuMsPerThousandRecords, 1)}/${fixed(pair.twoWorkers.workerCpuMsPerThousandRecords, 1)}`).join(' '),
    ]);
  }
  rows.push(...pairRows(scaling.sharedCores, 'workers sharing every core'));
} else {
  console.log('scale-out: TEST_DATABASE_URL is not set, so the PostgreSQL row (workerScalingRatio) is not measured');
}

const width = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), 8));
const line = (row: string[]) => row.map((cell, i) => cell.padEnd(width[i])).join('  ');
console.log(line(['section', 'measure', 'value']));
console.log(width.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));

// The targets, under these names in the full and the quick runs alike.
results.targets = {
  dashboardUncachedVsHandWrittenRatio: read.dashboardUncachedVsHandWrittenRatio,
  dashboardCachedVsHandWrittenRatio: read.dashboardCachedVsHandWrittenRatio,
  sqlStatementsUncached10: read.sqlStatementsUncached10,
  sqlStatementsUncached100: read.sqlStatementsUncached100,
  fanOutDistinctKeysP99VsRawWsRatio: fanOut.fanOutDistinctKeysP99VsRawWsRatio,
  mutationDelayUnderFanOutRatio: fanOut.mutationDelayUnderFanOutRatio,
  backupVsPipelinedNdjsonRatio: jobs.backupVsPipelinedNdjsonRatio,
  restoreVsConcurrentLoopRatio: jobs.restoreVsConcurrentLoopRatio,
  incrementalTimeShare: jobs.incremental!.timeShareRatio,
  incrementalBytesShare: jobs.incremental!.bytesShareRatio,
  backupPeakRssMb: jobs.backup.peakRssMb,
  ...(scaling && { workerScalingRatio: scaling.workerScalingRatio, workerScalingRatioOnSharedCores: scaling.sharedCores.ratio }),
  ...(large && { largeBackupPeakRssMb: large.backup.peakRssMb, largeVsBackupPeakRssRatio: large.backup.peakRssMb / jobs.backup.peakRssMb }),
};
console.log(JSON.stringify(results.targets, null, 2));
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote ${values.out}`);
}
process.exit(0);
