import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdirSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, type Emulator } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { accessibilityViolations, launchChromium } from './browser.ts';

/**
 * One person's walk through the dashboard in headless Chromium, against the real server and the
 * Salesforce emulator. Every wait is for a condition on the page, never for a fixed time.
 */

const INSTANCE = 'Acme production';
// The README's screenshots are refreshed on request (SCREENSHOTS=docs), so a test run leaves the
// checkout unchanged.
const SCREENSHOT_DIR = process.env.SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url).pathname : tmpdir();

let emulator: Emulator;
let server: TestServer;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let apiKey: string;
let credentials: { username: string; password: string };
/** Jobs that run and restores arrive with the jobs issue; until its API is served, the walk stops short of them. */
let jobsRun = false;
const env = () => emulatorEnvironment(emulator);

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, records: 20 });
  server = await startTestServer(env());
  const { organisationId, client } = await createOrganisationWithKey(server.operator, 'Acme');
  apiKey = client.apiKey!;
  await addInstance(client, organisationId, 'PRODUCTION', INSTANCE);
  const schema = await server.operator.query(`{ __type(name: "Mutation") { fields { name } } }`);
  jobsRun = schema.__type.fields.some((field: { name: string }) => field.name === 'startRestore');
  credentials = { username: emulator.orgs.PRODUCTION.username, password: emulator.orgs.PRODUCTION.password };
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.dispose();
  await emulator?.close();
});

/** The page is opened at the service's public URL: Salesforce sends the browser back there. */
async function openSignedIn(): Promise<Page> {
  const page = await chromium.context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${server.app.publicUrl}/`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Live updates on').waitFor();
  return page;
}

const cardOf = (page: Page): Locator => page.getByRole('article', { name: INSTANCE });

/**
 * What a person does on the emulator's login page; back on the dashboard, they see who logged in
 * and which instance it would connect, and confirm.
 */
async function loginAtSalesforce(page: Page) {
  await page.getByLabel('Username').fill(credentials.username);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Allow' }).click();
  const confirm = page.getByRole('region', { name: 'Connect a Salesforce login' });
  await confirm.getByText(credentials.username).waitFor();
  await confirm.getByText(emulator.orgs.PRODUCTION.orgId).waitFor();
  expect(await confirm.textContent()).toContain(INSTANCE);
  await confirm.getByRole('button', { name: `Connect to ${INSTANCE}` }).click();
  await confirm.getByRole('status').filter({ hasText: 'Salesforce access granted' }).waitFor();
  await confirm.getByRole('button', { name: 'Close' }).click();
}

async function restoreAccounts(card: Locator, watched: Locator) {
  await card.getByRole('button', { name: 'Restore…' }).click();
  const form = card.getByRole('form', { name: `Restore ${INSTANCE}` });
  await form.getByRole('checkbox', { name: /^Account\b/ }).check();
  // Overwriting records changed since is a choice to make, not a default; the form stays inside its card.
  const overwrite = form.getByRole('checkbox', { name: 'Overwrite records changed since the snapshot' });
  expect(await overwrite.isChecked()).toBe(false);
  await overwrite.check();
  const [formBox, cardBox] = [(await form.boundingBox())!, (await card.boundingBox())!];
  expect(formBox.x + formBox.width).toBeLessThanOrEqual(cardBox.x + cardBox.width);
  await form.getByRole('button', { name: 'Start restore' }).click();
  await card.locator('li.job[data-status="SUCCEEDED"]', { hasText: 'Restore' }).getByText('100 %').waitFor();
  await watched.locator('li.job[data-status="SUCCEEDED"]', { hasText: 'Restore' }).getByText('100 %').waitFor();
}

describe('the dashboard in a real browser', () => {
  it('signs in, grants access, runs out of tokens live, reauthenticates, restores and survives a restart', { timeout: 120_000 }, async () => {
    // A wrong key is refused with a message.
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${server.app.publicUrl}/`);
    await page.getByLabel('API key').fill('not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not recognised' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Live updates on').waitFor();
    const card = cardOf(page);
    await card.getByText('Not connected', { exact: true }).waitFor();
    expect(await page.getByRole('tab', { name: /PRODUCTION/ }).getAttribute('aria-selected')).toBe('true');

    // An ADMIN key adds a sandbox under the SANDBOX tab.
    await page.getByRole('tab', { name: /SANDBOX/ }).click();
    await page.getByLabel('New sandbox instance name').fill('Acme full sandbox');
    await page.getByRole('button', { name: 'Add instance' }).click();
    await page.getByRole('article', { name: 'Acme full sandbox' }).getByText('Not connected', { exact: true }).waitFor();
    await page.getByRole('tab', { name: /PRODUCTION/ }).click();

    // Grant access: the browser goes to the Salesforce login and comes back through /oauth/callback.
    await card.getByRole('button', { name: 'Grant access' }).click();
    await loginAtSalesforce(page);
    await card.getByText('Connected', { exact: true }).waitFor();
    await card.getByText('5 of 5 left').waitFor();
    await card.getByText(credentials.username).waitFor();
    await card.getByText(emulator.orgs.PRODUCTION.orgId).waitFor();

    // A second tab watches: everything it shows from here on arrives over its socket, without a reload.
    const watcher = await openSignedIn();
    await watcher.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const watched = cardOf(watcher);
    await watched.getByText('5 of 5 left').waitFor();

    // Five backups use the five tokens; the last one turns the card red live.
    for (let used = 1; used <= 5; used++) {
      await card.getByRole('button', { name: 'Back up now' }).click();
      await card.getByText(`${5 - used} of 5 left`).waitFor();
    }
    await watched.getByText('expired access/refresh token').waitFor();
    await watched.getByText('Reauthentication required', { exact: true }).waitFor();
    await watched.getByRole('button', { name: 'Reauthenticate' }).waitFor();
    expect(await watched.getAttribute('data-status')).toBe('REAUTH_REQUIRED');
    await card.getByText('expired access/refresh token').first().waitFor();
    if (jobsRun) await card.locator('li[data-status="SUCCEEDED"]').nth(4).waitFor();
    expect(await accessibilityViolations(watcher)).toEqual([]);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await watcher.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-token-expired.png'), fullPage: true });

    // A sixth backup answers TokenExpired: its message, and reauthentication on offer.
    await card.getByRole('button', { name: 'Back up now' }).click();
    await card.getByRole('status').filter({ hasText: 'expired access/refresh token' }).waitFor();

    // Reauthenticate from the red card; the watching tab turns green live (reauthCompleted).
    await card.getByRole('button', { name: 'Reauthenticate' }).click();
    await loginAtSalesforce(page);
    await card.getByText('5 of 5 left').waitFor();
    await watched.getByText('Connected', { exact: true }).waitFor();
    await watched.getByText('5 of 5 left').waitFor();
    await watched.getByText('expired access/refresh token').waitFor({ state: 'detached' });
    expect(await watched.getAttribute('data-status')).toBe('CONNECTED');

    // Restore one object of the newest snapshot; the restore job's bar reaches 100 %.
    if (jobsRun) await restoreAccounts(card, watched);
    const tokensLeft = jobsRun ? 4 : 5;
    await card.getByText(`${tokensLeft} of 5 left`).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // The tabs work from the keyboard: arrow to SANDBOX, and its instance shows.
    await page.getByRole('tab', { name: /PRODUCTION/ }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('article', { name: 'Acme full sandbox' }).getByText('Not connected', { exact: true }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('SANDBOX');
    await page.keyboard.press('ArrowLeft');
    await card.waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });

    // The server restarts on the same port: the socket comes back by itself and events flow again.
    const port = new URL(server.url).port;
    await server.stop();
    await watcher.getByText('reconnecting').waitFor();
    server = await startTestServer({ ...env(), PORT: port }, server.dataDir);
    await watcher.getByText('Live updates on').waitFor();
    await card.getByRole('button', { name: 'Back up now' }).click();
    await watched.getByText(`${tokensLeft - 1} of 5 left`).waitFor();

    expect(await watcher.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });
});
