import type { ServerResponse } from 'node:http';

/** Answers a request the service will not serve, in GraphQL's error shape, never cached. */
export function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
