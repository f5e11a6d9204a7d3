import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { ORGANISATIONS as DASHBOARD_QUERY } from '../../src/dashboard/operations.ts';
import { startSeededServer } from '../helpers/seed-organisations.ts';
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
  dashboard: LoadResult;
  yogaHello: LoadResult;
  rawHttp: LoadResult;
  sqlStatementsPerRequest: number;
  dashboardVsYogaHelloRatio: number;
  dashboardVsRawHttpRatio: number;
}

interface Target {
  url: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * Loads the targets in turn, round after round, so a slow spell of this shared machine falls on
 * all of them alike; requests per second are totals over the rounds, p99 the median round's.
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
    return {
      requests,
      requestsPerSecond: requests / options.durationSeconds,
      p99Ms: percentile(results.map((result) => result.p99Ms), 50),
      errors: results.reduce((sum, result) => sum + result.errors, 0),
    };
  });
}

/** The dashboard query (50 organisations × 2 instances with tokens and latest jobs) against two baselines. */
export async function benchReadPath(options: { connections: number; durationSeconds: number }): Promise<ReadPathResult> {
  const seeded = await startSeededServer(50, { instancesPerOrganisation: 2, backupsPerInstance: 3 });
  const service = seeded.server;
  const body = JSON.stringify({ query: DASHBOARD_QUERY });
  const responseBytes = Buffer.from(JSON.stringify(await service.operator.request(DASHBOARD_QUERY)));

  const hello = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }), logging: false });
  const helloServer = createServer((request, response) => void hello(request, response));
  const raw = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': responseBytes.length });
      response.end(responseBytes);
    });
  });

  const statementsBefore = service.app.database.statementCount();
  const [dashboard, yogaHello, rawHttp] = await measureInRounds(
    [
      { url: `${service.url}/graphql`, body, headers: { authorization: `Bearer ${service.operator.apiKey}` } },
      { url: `${await listen(helloServer)}/graphql`, body: JSON.stringify({ query: '{ hello }' }) },
      { url: await listen(raw), body },
    ],
    options,
  );
  const sqlStatementsPerRequest = (service.app.database.statementCount() - statementsBefore) / dashboard.requests;
  await Promise.all([seeded.dispose(), close(helloServer), close(raw)]);

  return {
    dashboard: dashboard,
    yogaHello: yogaHello,
    rawHttp: rawHttp,
    sqlStatementsPerRequest,
    dashboardVsYogaHelloRatio: dashboard.requestsPerSecond / yogaHello.requestsPerSecond,
    dashboardVsRawHttpRatio: dashboard.requestsPerSecond / rawHttp.requestsPerSecond,
  };
}
