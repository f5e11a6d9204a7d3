import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { YogaLogger } from 'graphql-yoga';
import type { App } from '../app.ts';
import { AUDIT_EXPORT_PATH, auditExportRoute } from './audit-export-route.ts';
import { clientAddress, createAuthentication } from './context.ts';
import { DASHBOARD_ASSETS_PREFIX, dashboardRoutes } from './dashboard-route.ts';
import { compileBudget } from './compile-budget.ts';
import { createFailedKeyThrottle, type FailedKeyThrottle } from './failed-key-throttle.ts';
import { GRAPHIQL_ASSETS_PREFIX, graphiqlRoutes } from './graphiql-route.ts';
import { HEALTH_PATH, healthRoute } from './health-route.ts';
import { METRICS_PATH, metricsRoute } from './metrics-route.ts';
import { createGraphQLHandler, GRAPHQL_PATH } from './graphql.ts';
import { EXPORT_LINK_PREFIX } from '../services/export-links.ts';
import { EXPORTS_PATH, exportRoute } from './export-route.ts';
import { OAUTH_CALLBACK_PATH, oauthCallbackRoute } from './oauth-callback.ts';
import { refuse } from './refuse.ts';
import { assignRequestId } from './request-ids.ts';
import { createResponseCache } from './response-cache.ts';
import { securityHeaders } from './security-headers.ts';
import { attachWebSocket } from './websocket.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** What the response cache holds now (entries, bytes). */
  cacheStats(): { entries: number; bytes: number };
  /** Documents graphql-jit has been allowed to compile. */
  compiledDocuments(): number;
  close(): Promise<void>;
}

/** Adds `Server-Timing: total;dur=…`, the time from the request's arrival to its headers. */
function timeResponse(res: ServerResponse) {
  const started = performance.now();
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (!this.headersSent) this.setHeader('server-timing', `total;dur=${(performance.now() - started).toFixed(1)}`);
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

interface Throttles {
  wrongKeys: FailedKeyThrottle;
  /** Requests without a key that the audit log records as denied. */
  anonymousDenials: FailedKeyThrottle;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Without a key, nothing a caller may do needs more than this; the body is not even read. */
export const ANONYMOUS_MAX_BODY_BYTES = 4096;

const tooMany = (res: ServerResponse, retryAfter: number, what: string) =>
  refuse(res, 429, 'TOO_MANY_REQUESTS', `Too many ${what} from this address: try again in ${retryAfter} s`, { 'retry-after': String(retryAfter) });

/**
 * Refused before yoga sees it: too many wrong keys from the address, or, without a key, too many
 * refused mutations or a large body.
 */
function refusedAtTheDoor(req: IncomingMessage, res: ServerResponse, throttles: Throttles): boolean {
  if (req.headers.authorization === undefined) {
    const retryAfter = throttles.anonymousDenials.retryAfter(clientAddress(req));
    if (retryAfter !== undefined) {
      tooMany(res, retryAfter, 'refused requests without an API key');
      return true;
    }
    if (Number(req.headers['content-length'] ?? 0) <= ANONYMOUS_MAX_BODY_BYTES) return false;
    refuse(res, 413, 'REQUEST_ENTITY_TOO_LARGE', `Without an API key a request may carry at most ${ANONYMOUS_MAX_BODY_BYTES} bytes`);
    return true;
  }
  // Wrong keys from this address are answered without looking at the key, until its window ends.
  const retryAfter = throttles.wrongKeys.retryAfter(clientAddress(req));
  if (retryAfter === undefined) return false;
  tooMany(res, retryAfter, 'wrong API keys');
  return true;
}

/** One HTTP port: GraphQL over HTTP and SSE, graphql-ws, health, and the routes other areas add. */
export async function startServer(app: App, logger: YogaLogger): Promise<RunningServer> {
  const throttles: Throttles = { wrongKeys: createFailedKeyThrottle(), anonymousDenials: createFailedKeyThrottle() };
  const authentication = createAuthentication(app.services, throttles.wrongKeys);
  const responseCache = createResponseCache(app.events);
  app.services.apiKeys.onRevoked(responseCache.dropKey);
  const compiles = compileBudget();
  const yoga = createGraphQLHandler({
    ...app,
    config: withPublicUrl(app),
    authentication,
    responseCache,
    anonymousDenials: throttles.anonymousDenials,
    compiles,
    logger,
  });
  const dashboard = dashboardRoutes();
  const graphiql = graphiqlRoutes(() => app.publicUrl!);
  const signIn = async (req: IncomingMessage) => (await authentication.authenticate(req.headers.authorization, clientAddress(req))).viewer;
  const auditExport = auditExportRoute(app.services.audit, signIn);
  const exports = exportRoute(app.services, authentication, logger);
  const metrics = metricsRoute(app.metrics, signIn);
  const routes: Record<string, Route> = {
    [OAUTH_CALLBACK_PATH]: oauthCallbackRoute(app.services.reauthentication, app.services.audit, throttles.anonymousDenials, logger),
    [HEALTH_PATH]: healthRoute(app.store.health, app.events.relayState),
    [EXPORTS_PATH]: exports,
    '/': dashboard.page,
    '/index.html': dashboard.page,
    [AUDIT_EXPORT_PATH]: (req, res) => (refusedAtTheDoor(req, res, throttles) ? undefined : auditExport(req, res)),
    [METRICS_PATH]: (req, res) => (refusedAtTheDoor(req, res, throttles) ? undefined : metrics(req, res)),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const [name, value] of Object.entries(securityHeaders(app.publicUrl!))) res.setHeader(name, value);
    if (app.config.serviceRole === 'worker' && path !== HEALTH_PATH && path !== METRICS_PATH) {
      return refuse(res, 404, 'NOT_FOUND', 'This is a worker process (SERVICE_ROLE=worker): it serves only /healthz and /metrics');
    }
    const route =
      routes[path] ??
      (path.startsWith(DASHBOARD_ASSETS_PREFIX) ? dashboard.assets : undefined) ??
      (path.startsWith(EXPORT_LINK_PREFIX) ? exports : undefined) ??
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
    timeResponse(res);
    if (refusedAtTheDoor(req, res, throttles)) return;
    res.setHeader('x-request-id', assignRequestId(req));
    void yoga(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(app.config.port, app.config.host, resolve);
  });
  // Attached once listening: ws re-emits the server's errors, and a busy port then printed its stack.
  const websocket =
    app.config.serviceRole === 'worker' ? undefined : attachWebSocket(server, yoga, { config: withPublicUrl(app), services: app.services, authentication, throttle: throttles.wrongKeys });
  const { port } = server.address() as AddressInfo;
  const host = app.config.host.includes(':') ? `[${app.config.host}]` : app.config.host;
  // Without PUBLIC_URL, redirects come back to the address the server listens on.
  app.listeningAt(`http://${app.config.host === '127.0.0.1' ? 'localhost' : host}:${port}`);
  return {
    url: `http://${host}:${port}`,
    port,
    cacheStats: responseCache.store.stats,
    compiledDocuments: compiles.compiledDocuments,
    close: async () => {
      await websocket?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The configuration with the address the service is reached at, known once the server listens. */
function withPublicUrl(app: App): App['config'] {
  return {
    ...app.config,
    get publicUrl() {
      return app.publicUrl;
    },
  };
}
