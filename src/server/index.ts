import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { YogaLogger } from 'graphql-yoga';
import type { App } from '../app.ts';
import { clientAddress, createAuthentication } from './context.ts';
import { DASHBOARD_ASSETS_PREFIX, dashboardRoutes } from './dashboard-route.ts';
import { createFailedKeyThrottle } from './failed-key-throttle.ts';
import { GRAPHIQL_ASSETS_PREFIX, graphiqlRoutes } from './graphiql-route.ts';
import { createGraphQLHandler, GRAPHQL_PATH } from './graphql.ts';
import { OAUTH_CALLBACK_PATH, oauthCallbackRoute } from './oauth-callback.ts';
import { withRequestId } from './request-ids.ts';
import { createResponseCache } from './response-cache.ts';
import { securityHeaders } from './security-headers.ts';
import { attachWebSocket } from './websocket.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function tooManyWrongKeys(res: ServerResponse, retryAfter: number) {
  res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) });
  res.end(
    JSON.stringify({
      errors: [{ message: `Too many wrong API keys from this address: try again in ${retryAfter} s`, extensions: { code: 'TOO_MANY_REQUESTS' } }],
    }),
  );
}

/** One HTTP port: GraphQL over HTTP and SSE, graphql-ws, health, and the routes other areas add. */
export async function startServer(app: App, logger: YogaLogger): Promise<RunningServer> {
  const throttle = createFailedKeyThrottle();
  const authentication = createAuthentication(app.services, throttle);
  const responseCache = createResponseCache(app.events);
  app.services.apiKeys.onRevoked(responseCache.dropKey);
  const yoga = createGraphQLHandler({ ...app, authentication, responseCache, logger });
  const dashboard = dashboardRoutes();
  const graphiql = graphiqlRoutes(() => app.config.publicUrl!);
  const routes: Record<string, Route> = {
    [OAUTH_CALLBACK_PATH]: oauthCallbackRoute(app.services.reauthentication, logger),
    '/': dashboard.page,
    '/index.html': dashboard.page,
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const [name, value] of Object.entries(securityHeaders(app.config.publicUrl!))) res.setHeader(name, value);
    const route =
      routes[path] ??
      (path.startsWith(DASHBOARD_ASSETS_PREFIX) ? dashboard.assets : undefined) ??
      (path.startsWith(GRAPHIQL_ASSETS_PREFIX) ? graphiql.assets : undefined) ??
      (path === GRAPHQL_PATH && graphiql.wanted(req) ? graphiql.page : undefined);
    if (route) {
      Promise.resolve(route(req, res)).catch((error: unknown) => {
        logger.error(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal error');
      });
      return;
    }
    // Wrong keys from this address are answered without looking at the key, until its window ends.
    const retryAfter = req.headers.authorization === undefined ? undefined : throttle.retryAfter(clientAddress(req));
    if (retryAfter !== undefined) return tooManyWrongKeys(res, retryAfter);
    withRequestId((id) => {
      res.setHeader('x-request-id', id);
      void yoga(req, res);
    });
  });
  const websocket = attachWebSocket(server, yoga, { config: app.config, services: app.services, authentication, throttle });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(app.config.port, app.config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = app.config.host.includes(':') ? `[${app.config.host}]` : app.config.host;
  // Without PUBLIC_URL, redirects come back to the address the server listens on.
  app.config.publicUrl ??= `http://${app.config.host === '127.0.0.1' ? 'localhost' : host}:${port}`;
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      await websocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
