import { deepStrictEqual } from 'node:assert';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import { ORGANISATIONS } from '../../src/dashboard/operations.ts';
import { seedOrganisations, type SeedOptions } from '../helpers/seed-database.ts';
import { OPERATOR_KEY, startTestServer } from '../helpers/server.ts';
import { handWrittenDashboardServer } from './hand-written-dashboard.ts';
import { measureLoad, type LoadResult } from './load.ts';
import { percentile } from './stats.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server) {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface ReadPathResult {
  organisations: number;
  responseBytes: number;
  dashboardUncached: LoadResult;
  dashboardCached: LoadResult;
  handWritten: LoadResult;
  yogaHello: LoadResult;
  sqlStatementsUncached10: number;
  sqlStatementsUncached100: number;
  dashboardUncachedVsHandWrittenRatio: number;
  dashboardCachedVsHandWrittenRatio: number;
  dashboardUncachedVsYogaHelloRatio: number;
  dashboardCachedVsYogaHelloRatio: number;
}

interface Target {
  url: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * Loads the targets in turn, round after round, so a slow spell of this shared machine falls on
 * all of them alike; requests per second are over all the rounds, p99 the median round's.
 */
async function measureInRounds(targets: Target[], options: { connections: number; durationSeconds: number }): Promise<LoadResult[]> {
  const rounds = Math.max(3, Math.round(options.durationSeconds / 2));
  const perTarget: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      perTarget[i].push(await measureLoad({ ...target, connections: options.connections, durationSeconds: options.durationSeconds / rounds }));
    }
  }
  return perTarget.map((results) => {
    const requests = results.reduce((sum, result) => sum + result.requests, 0);
    const seconds = results.reduce((sum, result) => sum + result.seconds, 0);
    const errors = results.reduce((sum, result) => sum + result.errors, 0);
    if (errors > 0) throw new Error(`${errors} requests failed during the read-path benchmark`);
    return { requests, seconds, requestsPerSecond: requests / seconds, p99Ms: percentile(results.map((result) => result.p99Ms), 50), errors };
  });
}

const SEED: Partial<SeedOptions> = { instancesPerOrganisation: 2, jobsPerInstance: 10, snapshotsPerInstance: 3, failuresPerRestore: 2 };
const AUTHORIZATION = { authorization: `Bearer ${OPERATOR_KEY}` };
// Asks the service for a fresh answer, as after any change the dashboard shows.
const UNCACHED = { ...AUTHORIZATION, 'cache-control': 'no-cache' };


/** A POST on a connection of its own (a pooled one may have been closed by the server meanwhile). */
function post(url: string, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`${url} answered ${response.statusCode}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** SQL statements of an uncached dashboard request with 10 organisations, then with 100. */
async function statementsAt10And100(): Promise<[number, number]> {
  const service = await startTestServer();
  try {
    const body = JSON.stringify({ query: ORGANISATIONS });
    const counts: number[] = [];
    for (const added of [10, 90]) {
      await seedOrganisations(service.app, added, SEED);
      // Counted on the second request: the first may also fill caches kept for later ones.
      await post(`${service.url}/graphql`, body, UNCACHED);
      const before = service.app.database.statementCount();
      await post(`${service.url}/graphql`, body, UNCACHED);
      counts.push(service.app.database.statementCount() - before);
    }
    return [counts[0], counts[1]];
  } finally {
    await service.dispose();
  }
}

/**
 * The dashboard's own query (50 organisations × 2 instances, with tokens, jobs, restore failures
 * and snapshots), uncached and cached, against a hand-written endpoint building the same JSON
 * from the same database, and against a minimal yoga "hello" server.
 */
export async function benchReadPath(options: { connections: number; durationSeconds: number; organisations: number }): Promise<ReadPathResult> {
  const [sqlStatementsUncached10, sqlStatementsUncached100] = await statementsAt10And100();

  const service = await startTestServer();
  await seedOrganisations(service.app, options.organisations, SEED);
  const body = JSON.stringify({ query: ORGANISATIONS });
  const serviceUrl = `${service.url}/graphql`;

  const handWritten = handWrittenDashboardServer(join(service.dataDir, 'backup.db'));
  const handWrittenUrl = await listen(handWritten);
  const hello = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }), logging: false });
  const helloServer = createServer((request, response) => void hello(request, response));

  // The reference must answer exactly what the service answers, or the comparison means nothing.
  const served = await post(serviceUrl, body, UNCACHED);
  deepStrictEqual(JSON.parse(await post(handWrittenUrl, body, AUTHORIZATION)), JSON.parse(served));

  const [dashboardUncached, dashboardCached, handWrittenLoad, yogaHello] = await measureInRounds(
    [
      { url: serviceUrl, body, headers: UNCACHED },
      { url: serviceUrl, body, headers: AUTHORIZATION },
      { url: handWrittenUrl, body, headers: AUTHORIZATION },
      { url: `${await listen(helloServer)}/graphql`, body: JSON.stringify({ query: '{ hello }' }) },
    ],
    options,
  );
  await Promise.all([service.dispose(), close(helloServer), close(handWritten)]);

  return {
    organisations: options.organisations,
    responseBytes: Buffer.byteLength(served),
    dashboardUncached: dashboardUncached,
    dashboardCached: dashboardCached,
    handWritten: handWrittenLoad,
    yogaHello: yogaHello,
    sqlStatementsUncached10,
    sqlStatementsUncached100,
    dashboardUncachedVsHandWrittenRatio: dashboardUncached.requestsPerSecond / handWrittenLoad.requestsPerSecond,
    dashboardCachedVsHandWrittenRatio: dashboardCached.requestsPerSecond / handWrittenLoad.requestsPerSecond,
    dashboardUncachedVsYogaHelloRatio: dashboardUncached.requestsPerSecond / yogaHello.requestsPerSecond,
    dashboardCachedVsYogaHelloRatio: dashboardCached.requestsPerSecond / yogaHello.requestsPerSecond,
  };
}
