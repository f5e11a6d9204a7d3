import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { accessibilityViolations, launchChromium, sidewaysOverflow, signIn as signInAt } from './browser.ts';

/**
 * The audit log page in headless Chromium against the real server: what a key's organisation did,
 * filtered, paged and downloaded; the layout at a desktop's width and at a phone's 390 px.
 */

const SCREENSHOT_DIR = process.env.SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url).pathname : tmpdir();

let server: TestServer;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let acmeKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const acme = await createOrganisationWithKey(server.operator, 'Acme');
  acmeKey = acme.client.apiKey!;
  await addInstance(acme.client, acme.organisationId, 'PRODUCTION', 'Acme production');
  await addInstance(acme.client, acme.organisationId, 'SANDBOX', 'Acme sandbox');
  // A refused call, and a wrong key (which only the operator sees).
  await acme.client.request(`mutation { cancelJob(id: "Sm9iOm5vdGhpbmc") { __typename } }`);
  await server.client('sfb_wrong-key-for-the-audit-walk').request('{ viewer { isOperator } }');
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.dispose();
});

const signIn = (key: string, width = 1280) => signInAt(chromium.context, server.app.publicUrl!, key, width);

const openAuditLog = async (page: Page) => {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.getByRole('table').waitFor();
};

describe('audit log page', () => {
  it("lists the organisation's entries newest first, filters them, and passes axe", async () => {
    const page = await signIn(acmeKey);
    await openAuditLog(page);
    const rows = page.getByRole('table').getByRole('row');
    // The header row; the operator's creation of the organisation and its key, two instances added,
    // one failed cancel. The wrong key belongs to no organisation.
    await expect.poll(() => rows.count()).toBe(6);
    expect(await rows.nth(1).textContent()).toContain('cancelJob');
    expect(await rows.nth(1).textContent()).toContain('Failed');
    expect(await page.getByRole('table').textContent()).not.toContain('signInFailed');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Outcome').selectOption('SUCCEEDED');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(5);
    expect(await page.getByRole('table').textContent()).not.toContain('cancelJob');
    await page.getByLabel('Action').fill('nothingLikeThis');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No entries match.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(6);

    // Back and forth between the pages follows the address.
    await page.goBack();
    await page.getByRole('heading', { name: 'Salesforce instances' }).waitFor();
    await page.goForward();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.close();
  });

  it('downloads the entries as CSV with the key, and records the export', async () => {
    const page = await signIn(acmeKey);
    await openAuditLog(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync((await download.path()), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('at,organisationId,actorKind,actorName,actorRole,action,targetType,targetId,outcome,detail,clientAddress');
    // The export is recorded before its rows are read, so it is the first of them.
    expect(lines.slice(1).map((line) => line.split(',')[5])).toEqual(['exportAuditLog', 'cancelJob', 'addInstance', 'addInstance', 'createApiKey', 'createOrganisation']);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('cell', { name: 'exportAuditLog' }).first().waitFor();
    await page.close();
  });

  it('shows the operator every entry, wrong keys with their address', async () => {
    const page = await signIn(server.operator.apiKey!);
    await openAuditLog(page);
    const failure = page.getByRole('row').filter({ hasText: 'signInFailed' });
    await failure.waitFor();
    expect(await failure.textContent()).toMatch(/anonymous.*signInFailed.*Denied.*127\.0\.0\.1/s);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'audit-log.png'), fullPage: true });
    await page.close();
  });
});

describe('layout', () => {
  it('uses a desktop screen’s width', async () => {
    const page = await signIn(acmeKey, 1920);
    const mainWidth = await page.locator('main').evaluate((main) => main.getBoundingClientRect().width);
    expect(mainWidth).toBeGreaterThan(1800);
    const cards = page.getByRole('article');
    await cards.first().waitFor();
    await page.close();
  });

  it('works at 390 px without sideways scrolling, on every page, and passes axe there', async () => {
    const page = await signIn(acmeKey, 390);
    await page.getByRole('article', { name: 'Acme production' }).waitFor();
    expect(await sidewaysOverflow(page)).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await openAuditLog(page);
    expect(await sidewaysOverflow(page)).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'audit-log-phone.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await sidewaysOverflow(page)).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('small defects', () => {
  it('follows organisations being created, rather than connecting forever, when the operator has none yet', async () => {
    const empty = await startTestServer();
    try {
      const page = await chromium.context.newPage();
      await page.goto(`${empty.app.publicUrl}/`);
      await page.getByLabel('API key').fill(empty.operator.apiKey!);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('No organisations yet.').waitFor();
      await page.getByRole('status').filter({ hasText: 'Live updates on' }).waitFor();
      expect(await page.getByText('Connecting live updates…').count()).toBe(0);
      // The first organisation, created by another client, shows without a reload.
      await createOrganisationWithKey(empty.operator, 'First');
      await page.getByRole('heading', { name: 'First' }).waitFor();
      await page.close();
    } finally {
      await empty.dispose();
    }
  });
});
