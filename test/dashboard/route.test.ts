import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_ASSETS_PREFIX, dashboardRoutes } from '../../src/server/dashboard-route.ts';

/** The static route on its own, over a temporary build folder (the browser walk serves the real build). */
async function serve(distDir: string): Promise<{ url: string; server: Server }> {
  const routes = dashboardRoutes(distDir);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/') return routes.page(req, res);
    if (path.startsWith(DASHBOARD_ASSETS_PREFIX)) return routes.assets(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the dashboard route', () => {
  const built = mkdtempSync(join(tmpdir(), 'sfbackup-dist-'));
  const empty = mkdtempSync(join(tmpdir(), 'sfbackup-nodist-'));
  let withBuild: { url: string; server: Server };
  let withoutBuild: { url: string; server: Server };

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(built, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(built, 'secret.txt'), 'not an asset');
    withBuild = await serve(`${built}/`);
    withoutBuild = await serve(`${empty}/`);
  });

  afterAll(() => {
    withBuild.server.close();
    withoutBuild.server.close();
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('serves the page revalidated, with a content security policy', async () => {
    const response = await fetch(`${withBuild.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await response.text()).toContain('<title>dashboard</title>');

    const again = await fetch(`${withBuild.url}/`, { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves hashed assets with their content types, cached for good', async () => {
    const script = await fetch(`${withBuild.url}/assets/index-abc123.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await script.text()).toBe('console.log(1)');
    const style = await fetch(`${withBuild.url}/assets/index-abc123.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for unknown or escaping asset paths and 405 for other methods', async () => {
    expect((await fetch(`${withBuild.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${withBuild.url}/assets/..%2Fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${withBuild.url}/assets/.hidden`)).status).toBe(404);
    expect((await fetch(`${withBuild.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('says how to build the dashboard when the build is missing', async () => {
    const response = await fetch(`${withoutBuild.url}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:dashboard');
  });
});
