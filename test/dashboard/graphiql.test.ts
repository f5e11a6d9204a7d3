import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { accessibilityViolations, launchChromium } from './browser.ts';

/** GraphiQL in a real browser: served from the service's own files, under its CSP, nothing refused. */
describe('GraphiQL', () => {
  let server: TestServer;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    server = await startTestServer();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.dispose();
  });

  it('loads and runs with no request leaving the service and no CSP violation', { timeout: 60_000 }, async () => {
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(30_000);
    const foreign: string[] = [];
    const violations: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== new URL(server.app.publicUrl!).origin) foreign.push(request.url());
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.app.publicUrl}/graphql`);
    await page.locator('.graphiql-container').first().waitFor();
    await page.getByRole('button', { name: /Execute query/i }).waitFor();
    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('passes axe with no serious or critical violation', { timeout: 60_000 }, async () => {
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${server.app.publicUrl}/graphql`);
    await page.getByRole('button', { name: /Execute query/i }).waitFor();
    expect(await accessibilityViolations(page, ['serious', 'critical'])).toEqual([]);
  });
});
