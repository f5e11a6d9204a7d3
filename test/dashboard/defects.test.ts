import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { reauthenticate, startConnectedInstance } from '../helpers/connected-instance.ts';
import { addInstance } from '../helpers/fixtures.ts';
import { backup, CANCEL_JOB, START_BACKUP, waitForJob } from '../helpers/operations.ts';
import { accessibilityViolations, signIn as signInAt, withDashboard } from './browser.ts';

/**
 * What a new user tripped over, each checked in headless Chromium against the real server and
 * emulator: the approval warning before a login that would evict another grant, notices and bars
 * of ended jobs, reloads, usernames, and the snapshot browser.
 */

const SCREENSHOT_DIR = process.env.SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url).pathname : tmpdir();

/** org 2 … org 5, connected by the same Salesforce user as "production org", after it. */
const instances: Record<string, string> = {};

const suite = withDashboard(async () => {
  const setup = await startConnectedInstance({ emulator: { records: 5 } });
  instances['production org'] = setup.instanceId;
  for (let i = 2; i <= 5; i++) {
    const name = `org ${i}`;
    instances[name] = await addInstance(setup.admin, setup.organisationId, 'PRODUCTION', name);
    expect((await reauthenticate(setup.admin, instances[name], setup.credentials)).status).toBe(200);
  }
  return setup;
}, 180_000);

async function signIn(width = 1280): Promise<Page> {
  const page = await signInAt(suite.chromium.context, suite.setup.server.app.publicUrl!, suite.setup.admin.apiKey!, width);
  await page.getByText('Live updates on').waitFor();
  return page;
}

const card = (page: Page, name: string): Locator => page.getByRole('article', { name, exact: true });

describe('before a login that would evict another grant', () => {
  it('warns, naming the instance that would lose access, and goes on to Salesforce only when asked', async () => {
    const page = await signIn();
    const fifth = card(page, 'org 5');
    await fifth.getByRole('button', { name: 'Reauthenticate' }).click();
    const warning = fifth.getByRole('status').filter({ hasText: 'already holds 5 grants' });
    await warning.waitFor();
    expect(await warning.textContent()).toContain('"production org" loses access');
    expect(new URL(page.url()).origin).toBe(suite.setup.server.app.publicUrl);
    expect(await accessibilityViolations(page)).toEqual([]);
    await fifth.screenshot({ path: join(SCREENSHOT_DIR, 'approval-warning.png') });

    await fifth.getByRole('link', { name: 'Continue to Salesforce anyway' }).click();
    await page.getByLabel('Username').waitFor();
    expect(new URL(page.url()).origin).not.toBe(suite.setup.server.app.publicUrl);
    await page.close();
  });
});

describe('small defects', () => {
  it('drops "Backup queued." once the job has ended', async () => {
    const page = await signIn();
    const production = card(page, 'production org');
    await production.getByRole('button', { name: 'Back up now' }).click();
    await production.getByRole('status').filter({ hasText: 'Backup queued.' }).waitFor();
    await production.locator('li.job[data-status="SUCCEEDED"]').first().waitFor();
    await production.getByText('Backup queued.').waitFor({ state: 'detached' });
    await page.close();
  });

  it('shows a cancelled job’s bar still, not animated', async () => {
    const instanceId = instances['org 3'];
    const first = (await suite.setup.admin.query(START_BACKUP, { instanceId })).startBackup;
    const second = (await suite.setup.admin.query(START_BACKUP, { instanceId })).startBackup;
    // One job runs per instance: the second waits, and is cancelled before it starts.
    expect((await suite.setup.admin.query(CANCEL_JOB, { id: second.id })).cancelJob.status).toBe('CANCELLED');
    await waitForJob(suite.setup.admin, first.id);
    const page = await signIn();
    const cancelled = card(page, 'org 3').locator('li.job[data-status="CANCELLED"]');
    await cancelled.waitFor();
    expect(await cancelled.locator('progress').evaluate((bar) => bar.matches(':indeterminate'))).toBe(false);
    expect(await card(page, 'org 3').locator('progress:indeterminate').count()).toBe(0);
    await page.close();
  });

  it('breaks a username only after its @ and dots', async () => {
    const page = await signIn(390);
    const username = card(page, 'production org').locator('.username');
    await username.waitFor();
    // Narrowed until it must wrap, yet wider than each part: every line ends at a boundary of the address, never inside a word.
    const lineEnds = await username.evaluate((element) => {
      (element as HTMLElement).style.display = 'inline-block';
      (element as HTMLElement).style.width = '10ch';
      const text = element.textContent ?? '';
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      const tops: { char: string; top: number }[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.textContent!.length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          tops.push({ char: node.textContent![i], top: range.getBoundingClientRect().top });
        }
      }
      const ends = tops.filter((entry, i) => i + 1 < tops.length && tops[i + 1].top > entry.top).map((entry) => entry.char);
      return { text, ends };
    });
    expect(lineEnds.text).toBe(suite.setup.credentials.username);
    expect(lineEnds.ends.length).toBeGreaterThan(0);
    expect(lineEnds.ends.filter((char) => char !== '@' && char !== '.')).toEqual([]);
    await page.close();
  });

  it('after a reload, says once that reauthentication is required, with the reason', async () => {
    const instanceId = instances['org 2'];
    for (let used = 0; used < 5; used++) await backup(suite.setup.admin, instanceId);
    const page = await signIn();
    const second = card(page, 'org 2');
    await second.getByText('Reauthentication required', { exact: true }).waitFor();
    await page.reload();
    await page.getByText('Live updates on').waitFor();
    await second.getByText('expired access/refresh token: every token of this grant is used').waitFor();
    expect(await second.getByText('Reauthentication required').count()).toBe(1);
    await page.close();
  });

  it('does not claim a failure when the page is reloaded after the Salesforce login', async () => {
    const page = await signIn();
    const fourth = card(page, 'org 4');
    await fourth.getByRole('button', { name: 'Reauthenticate' }).click();
    await fourth.getByRole('link', { name: 'Continue to Salesforce anyway' }).click();
    await page.getByLabel('Username').fill(suite.setup.credentials.username);
    await page.getByLabel('Password').fill(suite.setup.credentials.password);
    await page.getByRole('button', { name: 'Allow' }).click();
    const confirm = page.getByRole('region', { name: 'Connect a Salesforce login' });
    await confirm.getByRole('button', { name: 'Connect to org 4' }).waitFor();
    // Reloaded before confirming: the same login is offered again, not refused.
    await page.reload();
    await confirm.getByRole('button', { name: 'Connect to org 4' }).click();
    await confirm.getByRole('status').filter({ hasText: 'Salesforce access granted' }).waitFor();
    // Reloaded after: nothing about the login, and no failure.
    await page.reload();
    await page.getByText('Live updates on').waitFor();
    expect(await page.getByRole('region', { name: 'Connect a Salesforce login' }).count()).toBe(0);
    expect(await page.getByText('Nothing was connected').count()).toBe(0);
    await page.close();
  });
});

describe('snapshot browser', () => {
  it('lists a snapshot’s objects with the skipped ones and their reason, finds records and shows one across snapshots', { timeout: 60_000 }, async () => {
    // "org 5": the sixth login above evicted the grant of "production org".
    await backup(suite.setup.admin, instances['org 5']);
    await backup(suite.setup.admin, instances['org 5']);
    const page = await signIn();
    const production = card(page, 'org 5');
    await production.getByText('Browse snapshots').click();
    const objects = production.getByRole('region', { name: 'Objects of the snapshot' });
    const account = objects.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Account', exact: true }) });
    await account.waitFor();
    expect(await account.textContent()).toContain('Complete');
    const skipped = objects.locator('tr[data-state="SKIPPED"]');
    // The emulator, like a real org, refuses unfiltered queries of some objects: skipped, with Salesforce's reason.
    expect(await skipped.count()).toBeGreaterThan(0);
    expect(await skipped.first().textContent()).toMatch(/Skipped: MALFORMED_QUERY: .*filter/);

    const search = production.getByRole('form', { name: 'Search the records of org 5' });
    await search.getByLabel('Object').selectOption('Account');
    await search.getByRole('button', { name: 'Search records' }).click();
    const found = production.getByRole('list', { name: 'Records found' }).getByRole('button');
    await found.first().waitFor();
    const recordId = (await found.first().textContent())!;
    await found.first().click();
    const history = production.getByRole('region', { name: `History of ${recordId}` });
    const idRow = history.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Id', exact: true }) });
    await idRow.waitFor();
    // The field column and one column per snapshot, each holding the record.
    expect(await history.getByRole('columnheader').count()).toBe(3);
    expect(await idRow.getByRole('cell').allTextContents()).toEqual([recordId, recordId]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await production.screenshot({ path: join(SCREENSHOT_DIR, 'snapshot-browser.png') });
    await page.close();
  });
});

describe('a grant Salesforce refused', () => {
  it('says so on a page opened afterwards, once', { timeout: 60_000 }, async () => {
    suite.setup.emulator.revokeAllTokens(suite.setup.credentials.username);
    // The next job start finds the grant refused; the page opens after the event has gone by.
    const refused = (await suite.setup.admin.query(START_BACKUP, { instanceId: instances['org 5'] })).startBackup;
    expect(refused.__typename).not.toBe('Job');
    const page = await signIn();
    const fifth = card(page, 'org 5');
    await fifth.getByText('expired access/refresh token: Salesforce refused the grant').waitFor();
    expect(await fifth.getByText('Reauthentication required').count()).toBe(1);
    await page.close();
  });
});
