import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchFanOut } from './fan-out.ts';
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
  ? { connections: 10, durationSeconds: 3, subscribers: 200 }
  : { connections: 50, durationSeconds: 10, subscribers: 1000 };

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

const width = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), 8));
const line = (row: string[]) => row.map((cell, i) => cell.padEnd(width[i]!)).join('  ');
console.log(line(['section', 'measure', 'value']));
console.log(width.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));

// Keys ending in Ratio are the figures to compare across runs.
results.ratios = {
  dashboardVsYogaHelloRatio: read.dashboardVsYogaHelloRatio,
  dashboardVsRawHttpRatio: read.dashboardVsRawHttpRatio,
  fanOutP99VsRawWsRatio: fanOut.fanOutP99VsRawWsRatio,
};
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote ${values.out}`);
}
process.exit(0);
