import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { YogaLogger } from 'graphql-yoga';
import type { App } from '../app.ts';
import { DASHBOARD_ASSETS_PREFIX, dashboardRoutes } from './dashboard-route.ts';
import { createGraphQLHandler } from './graphql.ts';
import { OAUTH_CALLBACK_PATH, oauthCallbackRoute } from './oauth-callback.ts';
import { attachWebSocket } from './websocket.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** One HTTP port: GraphQL over HTTP and SSE, graphql-ws, health, and the routes other areas add. */
export async function startServer(app: App, logger: YogaLogger): Promise<RunningServer> {
  const yoga = createGraphQLHandler(app.services, app.database, app.events, logger);
  const dashboard = dashboardRoutes();
  const routes: Record<string, Route> = {
    [OAUTH_CALLBACK_PATH]: oauthCallbackRoute(app.services.reauthentication, logger),
    '/': dashboard.page,
    '/index.html': dashboard.page,
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path] ?? (path.startsWith(DASHBOARD_ASSETS_PREFIX) ? dashboard.assets : undefined);
    if (route) {
      Promise.resolve(route(req, res)).catch((error: unknown) => {
        logger.error(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal error');
      });
      return;
    }
    void yoga(req, res);
  });
  const websocket = attachWebSocket(server, yoga, app.services);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(app.config.port, app.config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = app.config.host.includes(':') ? `[${app.config.host}]` : app.config.host;
  // Without PUBLIC_URL, redirects come back to the address the server listens on.
  app.listeningAt(`http://${app.config.host === '127.0.0.1' ? 'localhost' : host}:${port}`);
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
