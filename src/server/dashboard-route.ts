import { createReadStream, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { DASHBOARD_DIST } from '../locations.ts';
/** Vite's hashed bundles: their names change with their content, so they are cached for good. */
export const DASHBOARD_ASSETS_PREFIX = '/assets/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

// The page talks only to its own origin (HTTP and graphql-ws on /graphql).
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b1b1f}code{background:#eef0f3;padding:.1rem .3rem}</style>
</head><body><main><h1>The dashboard is not built</h1>
<p>Build it with <code>npm run build:dashboard</code> (<code>npm start</code> does this before starting), then reload.</p>
<p>The GraphQL API and GraphiQL are at <a href="/graphql">/graphql</a>.</p></main></body></html>`;

type Route = (req: IncomingMessage, res: ServerResponse) => void;

function fileStats(path: string): Stats | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

function send(req: IncomingMessage, res: ServerResponse, path: string, stats: Stats, headers: Record<string, string>) {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const extension = path.slice(path.lastIndexOf('.'));
  const common = { etag, 'x-content-type-options': 'nosniff', ...headers };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common);
    return res.end();
  }
  res.writeHead(200, { ...common, 'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream', 'content-length': String(stats.size) });
  if (req.method === 'HEAD') return res.end();
  createReadStream(path).pipe(res);
}

function methodAllowed(req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
  res.end('Method not allowed');
  return false;
}

/**
 * The dashboard's page and its bundles, from the build output. `page` answers `/` and
 * `/index.html`; `assets` answers everything under /assets/.
 */
export function dashboardRoutes(distDir = DASHBOARD_DIST): { page: Route; assets: Route } {
  return {
    page(req, res) {
      if (!methodAllowed(req, res)) return;
      const path = `${distDir}index.html`;
      const stats = fileStats(path);
      if (!stats) {
        res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
      }
      // Revalidated on every load, so a rebuild is picked up at once.
      send(req, res, path, stats, {
        'cache-control': 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'referrer-policy': 'no-referrer',
      });
    },
    assets(req, res) {
      if (!methodAllowed(req, res)) return;
      const name = new URL(req.url ?? '/', 'http://localhost').pathname.slice(DASHBOARD_ASSETS_PREFIX.length);
      // Only plain file names: no directories, no traversal.
      const stats = /^[\w.-]+$/.test(name) && !name.startsWith('.') ? fileStats(`${distDir}assets/${name}`) : undefined;
      if (!stats) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        return res.end('Not found');
      }
      send(req, res, `${distDir}assets/${name}`, stats, { 'cache-control': 'public, max-age=31536000, immutable' });
    },
  };
}
