import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { DASHBOARD_QUERY, seedOrganisations } from '../helpers/seed-database.ts';
import { startTestServer } from '../helpers/server.ts';
import { measureLoad, type LoadResult } from './load.ts';

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

/** The dashboard query (50 organisations × 2 instances with tokens and latest jobs) against two baselines. */
export async function benchReadPath(options: { connections: number; durationSeconds: number }): Promise<ReadPathResult> {
  const service = await startTestServer();
  seedOrganisations(service.app.database.db, 50, { instancesPerOrganisation: 2, jobsPerInstance: 3 });
  const body = JSON.stringify({ query: DASHBOARD_QUERY });
  const headers = { authorization: `Bearer ${service.operator.apiKey}` };
  const responseBytes = Buffer.from(JSON.stringify(await service.operator.request(DASHBOARD_QUERY)));

  const statementsBefore = service.app.database.statementCount();
  const dashboard = await measureLoad({ url: `${service.url}/graphql`, body, headers, ...options });
  const sqlStatementsPerRequest = (service.app.database.statementCount() - statementsBefore) / dashboard.requests;
  await service.dispose();

  const hello = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }), logging: false });
  const helloServer = createServer(hello);
  const yogaHello = await measureLoad({ url: `${await listen(helloServer)}/graphql`, body: JSON.stringify({ query: '{ hello }' }), ...options });
  await close(helloServer);

  const raw = createServer((_req, res) => {
    _req.resume();
    _req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': responseBytes.length });
      res.end(responseBytes);
    });
  });
  const rawHttp = await measureLoad({ url: await listen(raw), body, ...options });
  await close(raw);

  return {
    dashboard,
    yogaHello,
    rawHttp,
    sqlStatementsPerRequest,
    dashboardVsYogaHelloRatio: dashboard.requestsPerSecond / yogaHello.requestsPerSecond,
    dashboardVsRawHttpRatio: dashboard.requestsPerSecond / rawHttp.requestsPerSecond,
  };
}
