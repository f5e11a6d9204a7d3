import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { createLogger } from 'graphql-yoga';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openStore } from '../../db/open.ts';
import { parseSecretKey } from '../../src/crypto.ts';
import { createDataKeys } from '../../src/services/data-keys.ts';
import { encodeCursor } from '../../src/services/paging.ts';
import { recordText } from '../../src/salesforce/query.ts';
import { createSnapshotService } from '../../src/services/snapshots.ts';
import { processDatabase, rowsOf, type ProcessDatabase } from '../helpers/database-rows.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { seedOrganisations } from '../helpers/seed-database.ts';
import { OPERATOR_KEY, startTestServer } from '../helpers/server.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';

/**
 * The attacks of issue 14, each sent as an attacker would, against the built service in its own
 * process on loopback. Every request is refused with a clear error before anything runs, or is
 * cheap: the service spends under 100 ms of CPU on it (its Server-Timing is reported too).
 */

const CHEAP_MS = 100;
/** The service's resident memory may not pass this while the attacks run. */
const MEMORY_BOUND = 400 * 1024 * 1024;
const SECRET_KEY = '11'.repeat(32);

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  /** The service's Server-Timing: wall time from arrival to headers, waiting for a busy CPU included. */
  serverMs: number;
  /** CPU time the service process used meanwhile (10 ms ticks): what the request cost it, however loaded the machine. */
  cpuMs: number;
}

/** User and system CPU time of the service process so far, in ms. */
function serviceCpuMs(): number {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

let server: ServiceProcess & { dataDir: string; database: ProcessDatabase };
let viewer: GraphQLClient;
let admin: GraphQLClient;
let organisationId: string;
let snapshotId: string;

async function post(body: string, key?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const cpuBefore = serviceCpuMs();
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  });
  const text = await response.text();
  const serverMs = Number(/dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? Number.NaN);
  return { status: response.status, headers: response.headers, body: JSON.parse(text), serverMs, cpuMs: serviceCpuMs() - cpuBefore };
}

const gql = (query: string, variables: Record<string, unknown> = {}, key?: string) => post(JSON.stringify({ query, variables }), key);

/** Refused with an error that says why, and nothing internal in it. */
function expectRefused(answer: Answer, code: string | RegExp) {
  expect(answer.body.data ?? null).toBeNull();
  const error = answer.body.errors?.[0];
  expect(error?.extensions?.code).toMatch(code);
  expect(error?.message).not.toMatch(/stack|TypeError|RangeError|SqliteError|DatabaseError|Unexpected token|JSON at position/);
  expectCheap(answer, String(code));
}

function expectCheap(answer: Answer, what: string) {
  figure(`${what}: server ms / service CPU ms`, `${answer.serverMs} / ${answer.cpuMs}`);
  expect(answer.cpuMs, what).toBeLessThan(CHEAP_MS);
}

const nested = (levels: number) => {
  let selection = 'name';
  for (let level = 0; level < levels; level++) selection = level % 2 === 0 ? `instances { ${selection} }` : `organisation { ${selection} }`;
  return `{ organisations { nodes { ${selection} } } }`;
};

const aliasedSchema = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: __schema { types { name fields { name } } }`).join(' ')} }`;

// Probes /healthz from a process of its own, so the attackers' work in this process (twenty
// uploads at once) does not delay the probe: what is measured is the service's answer.
const PROBE = `
const url = process.argv[1];
const latencies = [];
let running = true;
process.stdin.on('data', () => (running = false));
const probe = async () => {
  while (running) {
    const started = performance.now();
    const response = await fetch(url);
    await response.text();
    if (response.status !== 200) throw new Error('healthz answered ' + response.status);
    latencies.push(performance.now() - started);
  }
  process.stdout.write(JSON.stringify(latencies));
  process.exit(0);
};
// The first fetch loads the HTTP client and opens the connection: not the service's time.
fetch(url).then((response) => response.text()).then(() => {
  process.stdout.write('ready\\n');
  probe();
});
`;

/** Starts probing /healthz; `stop` resolves with every latency measured, in ms. */
async function probeHealthz(): Promise<{ stop(): Promise<number[]> }> {
  const child = spawn(process.execPath, ['-e', PROBE, `${server.url}/healthz`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  while (!output.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 10));
  return {
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end('stop');
      await exited;
      return JSON.parse(output.slice(output.indexOf('\n') + 1)) as number[];
    },
  };
}

/**
 * Runs `attack` while a probe asks /healthz, and asserts the slowest answer under 200 ms. A service
 * that blocks is slow in every round; a machine busy with other work is slow in some: up to three
 * rounds are run, and the best counts.
 */
async function expectHealthzAnswersDuring(what: string, attack: () => Promise<void>) {
  const slowestPerRound: number[] = [];
  for (let round = 0; round < 3 && !(slowestPerRound.length > 0 && Math.min(...slowestPerRound) < 200); round += 1) {
    const probe = await probeHealthz();
    await attack();
    const health = await probe.stop();
    expect(health.length).toBeGreaterThan(0);
    slowestPerRound.push(Math.max(...health));
  }
  const best = Math.min(...slowestPerRound);
  figure(`/healthz max ms under ${what}, best of ${slowestPerRound.length} rounds`, Math.round(best));
  // Each request is parsed and run in a turn of the event loop of its own (src/server/turns.ts), so
  // the probe waits behind one of them at most.
  expect(best, `/healthz under ${what}`).toBeLessThan(200);
}

const accountId = (n: number) => `001${String(n).padStart(15, '0')}`;

/** Twenty instances with jobs and a snapshot of 2,000 large records, written through the store before the service starts. */
async function seed({ engine, env }: ProcessDatabase) {
  const database = await openStore(engine === 'sqlite' ? { engine, file: env.DATABASE_URL } : { engine, url: env.DATABASE_URL });
  const { store } = database;
  await seedOrganisations({ store, database }, 1, { instancesPerOrganisation: 20, jobsPerInstance: 5 });
  const rows = rowsOf({ database });
  const instance = (await rows.get<{ id: string; organisation_id: string }>('select id, organisation_id from instances limit 1'))!;
  const job = (await rows.get<{ id: string }>('select id from jobs where instance_id = ? limit 1', instance.id))!;
  const snapshots = createSnapshotService(store.snapshots, createDataKeys(store.dataKeys, parseSecretKey(SECRET_KEY)));
  const snapshot = await snapshots.begin(instance.id, job.id, undefined);
  const filler = 'x'.repeat(2000);
  for (let batch = 0; batch < 4; batch++) {
    await snapshots.storeRecords(
      snapshot.id,
      'Account',
      Array.from({ length: 500 }, (_, i) => recordText({ Id: accountId(batch * 500 + i), Name: `Account ${batch * 500 + i}`, Description: filler })),
    );
  }
  await snapshots.complete(snapshot, [{ name: 'Account', highWaterMark: null, state: 'COMPLETE', reason: null, hasBlobs: false }]);
  await database.close();
  return { organisationId: Buffer.from(`Organisation:${instance.organisation_id}`).toString('base64url'), snapshotId: Buffer.from(`Snapshot:${snapshot.id}`).toString('base64url') };
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sfbackup-hostile-'));
  // The suite's engine: a SQLite file in dataDir, or a PostgreSQL database of its own.
  const database = await processDatabase(dataDir);
  const seeded = await seed(database);
  organisationId = seeded.organisationId;
  snapshotId = seeded.snapshotId;
  const service = await startServiceProcess({ ...database.env, ADMIN_API_KEY: OPERATOR_KEY, SECRET_KEY, PORT: '0', SALESFORCE_CLIENT_ID: 'unused' });
  server = Object.assign(service, { dataDir, database });
  const operator = new GraphQLClient(server.url, OPERATOR_KEY);
  const key = (role: string) =>
    operator.query(
      `mutation ($organisationId: ID!, $role: Role!) { createApiKey(organisationId: $organisationId, role: $role, name: "hostile") { ... on ApiKeyCreated { secret } } }`,
      { organisationId, role },
    );
  admin = new GraphQLClient(server.url, (await key('ADMIN')).createApiKey.secret);
  viewer = new GraphQLClient(server.url, (await key('VIEWER')).createApiKey.secret);
});

afterAll(async () => {
  if (server) figure('service peak RSS (MB)', Math.round(server.peakRss() / 1048576));
  await server?.stop();
  await server?.database.drop();
  if (server) rmSync(server.dataDir, { recursive: true, force: true });
});

/** REPORT_FIGURES=1 prints what the attacks cost, for the record. */
function figure(name: string, value: number | string) {
  if (process.env.REPORT_FIGURES) console.log(`hostile: ${name}: ${value}`);
}

/** Memory is checked after every attack: the bound holds for the whole suite. */
afterEach(() => {
  expect(server.peakRss()).toBeLessThan(MEMORY_BOUND);
});


describe('hostile requests', () => {
  it('refuses 3,000 aliased __schema selections sent without a key, twenty at once, while /healthz answers', async () => {
    const body = JSON.stringify({ query: aliasedSchema(3000) });
    expect(body.length).toBeGreaterThan(150_000);
    expectRefused(await post(body), 'REQUEST_ENTITY_TOO_LARGE');
    // With a key, the same document is refused for its length before it is parsed; a shorter one with too many tokens while parsed.
    expectRefused(await post(body, viewer.apiKey), 'BAD_REQUEST');
    expectRefused(await post(JSON.stringify({ query: aliasedSchema(150) }), viewer.apiKey), 'GRAPHQL_PARSE_FAILED');
    for (const key of [undefined, viewer.apiKey]) {
      await expectHealthzAnswersDuring(`20 attacks (key: ${key !== undefined})`, async () => {
        const answers = await Promise.all(Array.from({ length: 20 }, () => post(body, key)));
        for (const answer of answers) expect(answer.status).toBe(key ? 200 : 413);
      });
    }
  });

  it('answers /healthz within 200 ms while twenty keyed attacks of every kind run at once', async () => {
    const records = `query ($id: ID!, $after: String) { snapshot(id: $id) { ... on Snapshot { records(object: "Account", after: $after) { pageInfo { endCursor } } } } }`;
    const costly = `query ($id: ID!, $n: Int) { snapshot(id: $id) { ... on Snapshot { instance { snapshots(first: $n) { nodes { records(object: "Account", first: $n) { nodes { id } } } } } } } }`;
    const attacks: [() => Promise<Answer>, string][] = [
      [() => gql(nested(50), {}, viewer.apiKey), 'QUERY_TOO_LARGE'],
      [() => gql(aliasedSchema(150), {}, viewer.apiKey), 'GRAPHQL_PARSE_FAILED'],
      [() => gql(costly, { id: snapshotId, n: 100 }, viewer.apiKey), 'QUERY_TOO_COSTLY'],
      [() => post(`{"query":"{ viewer { isOperator } }","variables":{"v":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`, viewer.apiKey), 'BAD_REQUEST'],
      [() => gql(records, { id: snapshotId, after: 'A'.repeat(1_000_000) }, viewer.apiKey), 'BAD_USER_INPUT'],
    ];
    // Each kind is cheap on its own (five in a row, as an attacker would repeat it)...
    for (const [send, code] of attacks) {
      const before = serviceCpuMs();
      for (let i = 0; i < 5; i++) await send();
      const each = (serviceCpuMs() - before) / 5;
      figure(`${code} five in a row: service CPU ms each`, each);
      expect(each, code).toBeLessThan(CHEAP_MS);
    }
    // ...and twenty at once, four of each kind, do not keep /healthz waiting.
    await expectHealthzAnswersDuring('20 keyed attacks of five kinds', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => attacks[i % attacks.length][0]()));
      answers.forEach((answer, i) => expect(answer.body.errors?.[0]?.extensions?.code, attacks[i % attacks.length][1]).toBe(attacks[i % attacks.length][1]));
    });
  });

  it('gives no introspection and no suggestions without a key', async () => {
    expectRefused(await gql('{ __schema { types { name } } }'), /GRAPHQL_VALIDATION_FAILED|QUERY_TOO_LARGE/);
    const typo = await gql('{ organisatons { id } }');
    expect(typo.body.errors?.[0]?.message).not.toContain('Did you mean');
    const answered = await gql('{ viewer { isOperator } }');
    expect(answered.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses nesting past the depth limit, 7 or 50 levels, before anything runs', async () => {
    for (const levels of [7, 50]) expectRefused(await gql(nested(levels), {}, viewer.apiKey), 'QUERY_TOO_LARGE');
  });

  it('refuses more than 15 aliases or 10 directives with a key, and any without, before anything runs', async () => {
    const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `v${i}: viewer { isOperator }`).join(' ')} }`;
    const directed = (count: number) => `{ viewer { ${Array.from({ length: count }, () => '... @include(if: true) { isOperator }').join(' ')} } }`;
    expect((await gql(aliased(15), {}, viewer.apiKey)).body.errors).toBeUndefined();
    expectRefused(await gql(aliased(16), {}, viewer.apiKey), 'QUERY_TOO_LARGE');
    expect((await gql(directed(10), {}, viewer.apiKey)).body.errors).toBeUndefined();
    expectRefused(await gql(directed(11), {}, viewer.apiKey), 'QUERY_TOO_LARGE');
    expectRefused(await gql(aliased(1)), 'QUERY_TOO_LARGE');
    expectRefused(await gql(directed(1)), 'QUERY_TOO_LARGE');
  });

  it('counts page sizes passed in variables and refuses what would multiply them', async () => {
    const query = `query ($id: ID!, $n: Int) { snapshot(id: $id) { ... on Snapshot { instance { snapshots(first: $n) { nodes { records(object: "Account", first: $n) { nodes { id } } } } } } } }`;
    const refused = await gql(query, { id: snapshotId, n: 100 }, viewer.apiKey);
    expectRefused(refused, 'QUERY_TOO_COSTLY');
    const small = await gql(query, { id: snapshotId, n: 2 }, viewer.apiKey);
    expect(small.body.errors).toBeUndefined();
    expectCheap(small, 'small pages through variables');
  });

  it('answers the largest allowed pages of large records cheaply', async () => {
    const query = `query ($id: ID!, $after: String) { snapshot(id: $id) { ... on Snapshot { records(object: "Account", first: 100, after: $after) { nodes { id fields } pageInfo { endCursor } } } } }`;
    // A document's second run compiles it (graphql-jit): that cost is reported, the next page is measured.
    const first = await gql(query, { id: snapshotId, after: encodeCursor('records', accountId(999)) }, viewer.apiKey);
    const second = await gql(query, { id: snapshotId, after: encodeCursor('records', accountId(1099)) }, viewer.apiKey);
    for (const run of [first, second]) expect(run.body.errors).toBeUndefined();
    figure('a document run first / run again and compiled: server ms / CPU ms', `${first.serverMs} / ${first.cpuMs}, ${second.serverMs} / ${second.cpuMs}`);
    const page = await gql(query, { id: snapshotId }, viewer.apiKey);
    expect(page.body.errors).toBeUndefined();
    expect((page.body.data as { snapshot: { records: { nodes: unknown[] } } }).snapshot.records.nodes).toHaveLength(100);
    expectCheap(page, '100 records of 2 KB');
  });

  it('searches sealed records cheaply enough: 2,000 records of 2 KB opened for a term none holds', async () => {
    const query = `query ($id: ID!, $search: String!) { snapshot(id: $id) { ... on Snapshot { records(object: "Account", search: $search, first: 100) { nodes { id } pageInfo { hasNextPage } } } } }`;
    // Compiled on its second run (reported above for another document): the third is measured.
    for (const search of ['warming up', 'compiling']) await gql(query, { id: snapshotId, search }, viewer.apiKey);
    // CPU time is counted in 10 ms ticks, and a collection can land in any one answer: the mean of five is checked.
    const answers: Answer[] = [];
    for (const search of ['no such words', 'nor these', 'nothing here', 'absent', 'missing too']) answers.push(await gql(query, { id: snapshotId, search }, viewer.apiKey));
    for (const answer of answers) {
      expect(answer.body.errors).toBeUndefined();
      expect((answer.body.data as { snapshot: { records: { nodes: unknown[] } } }).snapshot.records.nodes).toEqual([]);
    }
    const mean = (of: (answer: Answer) => number) => answers.reduce((sum, answer) => sum + of(answer), 0) / answers.length;
    expectCheap({ ...answers[0], serverMs: mean((answer) => answer.serverMs), cpuMs: mean((answer) => answer.cpuMs) }, 'search through 2,000 sealed records, mean of 5');
  });

  it('runs a stream of distinct documents from one key uncompiled: each costs what the plain executor does', async () => {
    const document = (alias: string) =>
      `query ($id: ID!) { ${alias}: snapshot(id: $id) { ... on Snapshot { id createdAt incremental recordCount objects { name recordCount deletedCount blobCount blobBytes state reason } job { id kind status apiCalls warnings error queuedAt startedAt finishedAt } instance { id name environment status loginUrl instanceUrl username salesforceOrgId tokensRemaining tokensUsed tokenLimit tokensLow grantLive jobs(first: 5) { edges { node { id kind status queuedAt startedAt finishedAt objects progress { processed total } } } } } records(object: "Account", first: 2) { nodes { id fields } } } } }`;
    const run = (alias: string) => post(JSON.stringify({ query: document(alias), variables: { id: snapshotId } }), viewer.apiKey, { 'cache-control': 'no-cache' });
    // Run again, a document is compiled, as the dashboard's are: what each new document would cost if compiled.
    // CPU time is counted in 10 ms ticks, so each figure is the mean over several runs, not one run's.
    const repeated = Array.from({ length: 10 }, (_, i) => `repeated${i}`);
    for (const alias of repeated) await run(alias);
    const compilingBefore = serviceCpuMs();
    for (const alias of repeated) await run(alias);
    const compiling = (serviceCpuMs() - compilingBefore) / repeated.length;
    figure('a document run again and compiled: service CPU ms', compiling);
    const cpuBefore = serviceCpuMs();
    for (let i = 0; i < 20; i++) expect((await run(`distinct${i}`)).body.errors).toBeUndefined();
    const perDocument = (serviceCpuMs() - cpuBefore) / 20;
    figure('20 distinct documents: service CPU ms each', perDocument);
    expect(perDocument).toBeLessThan(compiling);
    expect(perDocument).toBeLessThan(CHEAP_MS);
  });

  it('refuses huge cursors, bad JSON, deep variables and odd names with clear errors and nothing internal', async () => {
    const records = `query ($id: ID!, $after: String) { snapshot(id: $id) { ... on Snapshot { records(object: "Account", after: $after) { pageInfo { endCursor } } } } }`;
    const cursor = await gql(records, { id: snapshotId, after: 'A'.repeat(1_000_000) }, viewer.apiKey);
    expect(cursor.body.errors?.[0]?.message).toBe('after is not a cursor of this list');
    expectCheap(cursor, 'a 1 MB cursor');

    const badJson = await post('{"query": "{ viewer { isOperator } }"', viewer.apiKey);
    expect(badJson.body.errors?.[0]?.message).toBe('POST body sent invalid JSON.');
    expect(JSON.stringify(badJson.body)).not.toMatch(/position|Unexpected|Expected/);

    const deep = `{"query":"query ($v: JSON) { viewer { isOperator } }","variables":{"v":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`;
    const deepAnswer = await post(deep, viewer.apiKey);
    expect(deepAnswer.body.errors?.[0]?.message).toBe('The request body nests deeper than 64 levels.');
    expectCheap(deepAnswer, 'JSON nested 200,000 deep');

    const rename = `mutation ($organisationId: ID!, $name: String!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: $name) { __typename ... on InvalidInput { message } } }`;
    for (const name of ['\u0000', 'evil\u202Egnp.exe', '\u200B\u200B', 'tab\there', '\u2066 \u2069']) {
      const answer = await gql(rename, { organisationId, name }, admin.apiKey);
      expect((answer.body.data as { createApiKey: { __typename: string } }).createApiKey.__typename, JSON.stringify(name)).toBe('InvalidInput');
    }
  });

  it('keeps cached answers within their byte budget while a key asks for thousands of distinct pages', async () => {
    const query = `query ($id: ID!, $after: String) { snapshot(id: $id) { ... on Snapshot { records(object: "Account", first: 100, after: $after) { nodes { fields } } } } }`;
    for (let round = 0; round < 20; round++) {
      // Distinct cursors: every answer is a new ~220 KB entry.
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const after = encodeCursor('records', accountId(round * 10 + i));
          return gql(query, { id: snapshotId, after }, viewer.apiKey);
        }),
      );
      for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    }
    // 200 answers of about 220 KB would hold 44 MB uncapped; the budget is 32 MB (see the unit test).
    expect(server.peakRss()).toBeLessThan(MEMORY_BOUND);
  });

  it('keeps the unpaged list of an organisation\'s instances to 50', async () => {
    const add = `mutation ($organisationId: ID!, $name: String!) { addInstance(organisationId: $organisationId, environment: SANDBOX, name: $name) { __typename ... on Error { message } } }`;
    type Added = { addInstance: { __typename: string; message?: string } };
    const results: Added[] = [];
    for (let i = 0; i < 31; i++) {
      const data = (await gql(add, { organisationId, name: `Sandbox ${i}` }, admin.apiKey)).body.data as Added;
      results.push(data);
    }
    expect(results.slice(0, 30).every((result) => result.addInstance.__typename === 'Instance')).toBe(true);
    expect(results[30].addInstance).toEqual({ __typename: 'InvalidInput', message: 'An organisation may have at most 50 instances' });
  });

  it('sends CORS headers to the service\'s own origin only, and refuses WebSockets from other origins', async () => {
    const evil = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { origin: 'https://evil.example' });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
    });
    expect(status).toBe(403);
  });

  it('sends security headers on every page, and GraphiQL from its own files under a CSP', async () => {
    for (const path of ['/', '/healthz', '/graphql']) {
      const response = await fetch(`${server.url}${path}`, { headers: { accept: path === '/graphql' ? 'text/html' : '*/*' } });
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
    }
    const graphiql = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await graphiql.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/);
    expect(graphiql.headers.get('content-security-policy')).toContain("script-src 'self'");
    const bundle = await fetch(`${server.url}/graphiql/graphiql.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    expect((await fetch(`${server.url}/assets/index.js.map`)).status).toBe(404);
  });
});

describe('wrong keys', () => {
  it('throttles an address after 20 wrong keys with 429 and Retry-After, before looking at the key', async () => {
    const own = await startTestServer();
    try {
      const answers = [];
      for (let guess = 0; guess < 25; guess++) answers.push(await own.client(`sfb_${randomUUID()}`).request('{ viewer { isOperator } }').then(() => 0));
      const last = await fetch(`${own.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${own.operator.apiKey}` },
        body: JSON.stringify({ query: '{ viewer { isOperator } }' }),
      });
      expect(last.status).toBe(429);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(last.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(((await last.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
      // A client without a key (the sign-in page) is still answered.
      expect((await fetch(`${own.url}/healthz`)).status).toBe(200);
    } finally {
      await own.dispose();
    }
  });
});

describe('mutations without a key', () => {
  it('throttles an address after 20 refused mutations with 429 and Retry-After, so a flood adds a bounded number of audit entries', async () => {
    const own = await startTestServer();
    try {
      const entries = () => rowsOf(own.app).count('select count(*) from audit_entries');
      const before = await entries();
      const send = (query: string) =>
        fetch(`${own.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      // Two mutation fields in one request count as two, the entries they could leave (the first
      // refused, the second never runs).
      const pair = await send('mutation { createOrganisation(name: "a") { __typename } renameOrganisation(id: "T3JnYW5pc2F0aW9uOjE", name: "b") { __typename } }');
      expect(pair.status).toBe(401);
      expect(((await pair.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 100; attempt++) {
        const answer = await send('mutation { createOrganisation(name: "flood") { __typename } }');
        statuses.push(answer.status);
        if (answer.status === 429) {
          expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        }
        await answer.arrayBuffer();
      }
      expect(statuses.slice(0, 18).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(18).every((status) => status === 429)).toBe(true);
      expect((await entries()) - before).toBe(19);
      // A refused OAuth callback is an entry too: the same address is turned away.
      const callback = await fetch(`${own.url}/oauth/callback?state=x&error=access_denied`);
      expect(callback.status).toBe(429);
      expect((await entries()) - before).toBe(19);
      // Keys from the same address are still answered.
      expect((await own.operator.query('{ viewer { isOperator } }')).viewer.isOperator).toBe(true);
    } finally {
      await own.dispose();
    }
  });
});

describe('compiled execution (graphql-jit)', () => {
  it('compiles a document when it runs again, never one that runs once, and at most 30 a minute', async () => {
    const own = await startTestServer();
    try {
      const compiled = () => own.server.compiledDocuments();
      // Past the response cache, which would answer a repeated document without running it.
      const run = async (query: string) => {
        const response = await fetch(`${own.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}`, 'cache-control': 'no-cache' },
          body: JSON.stringify({ query }),
        });
        expect(((await response.json()) as { data?: unknown }).data).toBeTruthy();
      };
      const query = '{ viewer { isOperator } }';
      await run(query);
      expect(compiled()).toBe(0);
      await run(query);
      expect(compiled()).toBe(1);
      await run(query);
      expect(compiled()).toBe(1);
      // A stream of distinct documents, each run once, is never compiled.
      for (let i = 0; i < 50; i++) await run(`{ viewer { isOperator } } # ${i}`);
      for (let i = 0; i < 50; i++) await run(`{ v${i}: viewer { isOperator } }`);
      expect(compiled()).toBe(1);
      // Run twice, they are compiled until the minute's budget is spent.
      for (let i = 0; i < 50; i++) await run(`{ v${i}: viewer { isOperator } }`);
      expect(compiled()).toBe(30);
    } finally {
      await own.dispose();
    }
  });
});

describe('internal errors', () => {
  it('answers a server failure with a masked message and a request id, and logs the cause under that id', async () => {
    const logged: string[] = [];
    const silent = createLogger('silent');
    // As the console prints it: an error with its stack and causes (on PostgreSQL, drizzle's failed query around the driver's error).
    const logger = { ...silent, error: (...args: unknown[]) => void logged.push(format(...args)) };
    const own = await startTestServer({}, undefined, { logger });
    try {
      // The audit table is gone from under the service: reading the log fails inside it.
      const rows = rowsOf(own.app);
      await rows.run('alter table audit_entries rename to audit_entries_gone');
      const missingTable = rows.engine === 'sqlite' ? /no such table: audit_entries/ : /relation "audit_entries" does not exist/;
      const response = await fetch(`${own.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
        body: JSON.stringify({ query: '{ auditLog(first: 1) { edges { node { id } } } }' }),
      });
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string; requestId: string } }[] };
      const [error] = body.errors;
      expect(error.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.extensions.requestId).toBe(response.headers.get('x-request-id'));
      expect(error.message).toBe(`Unexpected error. (request ${error.extensions.requestId})`);
      expect(JSON.stringify(body)).not.toMatch(/audit_entries|Sqlite|no such table|relation|does not exist|stack/i);
      expect(logged.filter((line) => line.startsWith(`Request ${error.extensions.requestId} failed:`) && missingTable.test(line))).toHaveLength(1);
      await rows.run('alter table audit_entries_gone rename to audit_entries');
    } finally {
      await own.dispose();
    }
  });
});
