/**
 * A minimal loopback HTTP front for one OrgData, standing in for the emulator's server: routes
 * `/services/data/vNN.N/*` to `handle`, accepts any Bearer token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jsforce from 'jsforce';
import { OrgData, type OrgDataOptions } from '../../src/emulator/data/index.ts';

export interface DataHarness {
  data: OrgData;
  instanceUrl: string;
  connection(): jsforce.Connection;
  close(): Promise<void>;
}

const DATA_PATH = /^\/services\/data\/v(\d+\.\d+)(\/.*)?$/;

export async function startDataHarness(options: Partial<OrgDataOptions> = {}): Promise<DataHarness> {
  const data = new OrgData({ orgId: '00D000000000001EAA', seed: 1, records: 50, ...options });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = DATA_PATH.exec(url.pathname);
      if (!match || !/^Bearer /.test(req.headers.authorization ?? '')) {
        res.writeHead(match ? 401 : 404, { 'Content-Type': 'application/json;charset=UTF-8' });
        res.end(JSON.stringify([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const response = await data.handle({
        method: req.method ?? 'GET',
        path: match[2] ?? '/',
        version: match[1],
        query: url.searchParams,
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      const headers: Record<string, string> = { 'Sforce-Limit-Info': 'api-usage=1/15000', ...response.headers };
      let body = '';
      if (typeof response.body === 'string') body = response.body;
      else if (response.body !== undefined) {
        body = JSON.stringify(response.body);
        headers['Content-Type'] = 'application/json;charset=UTF-8';
      }
      res.writeHead(response.status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const instanceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    data,
    instanceUrl,
    connection: () => new jsforce.Connection({ instanceUrl, accessToken: 'any-token', version: '62.0' }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
