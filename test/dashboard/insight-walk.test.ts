import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startConnectedInstance } from '../helpers/connected-instance.ts';
import { runJob, START_BACKUP } from '../helpers/operations.ts';
import { accessibilityViolations, withDashboard } from './browser.ts';

/**
 * A person finds a mass deletion on the dashboard as the backup that saw it ends, compares the
 * two snapshots, restores one record and then all of them, and downloads an export.
 */

const SCREENSHOT_DIR = process.env.SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url).pathname : tmpdir();
const INSTANCE = 'production org';

const suite = withDashboard(async () => {
  const setup = await startConnectedInstance({ emulator: { records: 60 }, env: { TOKEN_LIMIT: '20' } });
  await setup.admin.query(`mutation ($id: ID!) { setDataAlertThreshold(instanceId: $id, percent: 10, minRecords: 10) { __typename } }`, { id: setup.instanceId });
  const first = await runJob(setup.admin, START_BACKUP, { instanceId: setup.instanceId, objects: ['Account', 'Contact'] });
  expect(first.status).toBe('SUCCEEDED');
  return setup;
});

async function openSignedIn(): Promise<Page> {
  const page = await suite.chromium.context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${suite.setup.server.app.publicUrl}/`);
  await page.getByLabel('API key').fill(suite.setup.admin.apiKey!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Live updates on').waitFor();
  return page;
}

describe('compare, alerts and exports in a real browser', () => {
  it('shows a mass deletion live, compares, restores one record and then all, and downloads an export', { timeout: 120_000 }, async () => {
    const data = suite.setup.emulator.data.PRODUCTION;
    const contacts = data.ids('Contact');
    const page = await openSignedIn();
    const card = page.getByRole('article', { name: INSTANCE });
    await card.getByText('Connected', { exact: true }).waitFor();

    // An integration deletes 40 % of the Contacts; the next backup raises the alert on the open page.
    const deleted = contacts.filter((_, i) => i % 5 < 2);
    for (const id of deleted) data.delete(id);
    await card.getByRole('button', { name: 'Back up now' }).click();
    const alerts = card.getByRole('region', { name: 'Mass changes found by backups' });
    await alerts.getByText('Contact: 24 deleted and 0 changed of 60 (40 %)').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await card.screenshot({ path: join(SCREENSHOT_DIR, 'data-alert.png') });

    // Compare: the counts, then the deleted records with their fields.
    await alerts.getByRole('button', { name: 'Compare' }).click();
    const compare = card.getByRole('region', { name: /^Changes from/ });
    await compare.getByRole('rowheader', { name: 'Contact' }).waitFor();
    expect(await compare.getByRole('row', { name: /^Contact/ }).textContent()).toBe('Contact0024');
    const changes = compare.getByRole('list', { name: 'Changed records' });
    await expect.poll(() => changes.getByRole('listitem').count()).toBe(20);
    await compare.getByRole('button', { name: 'Show more changes' }).click();
    await expect.poll(() => changes.getByRole('listitem').count()).toBe(24);
    const firstDeleted = [...deleted].sort()[0];
    const change = changes.getByRole('listitem').filter({ hasText: firstDeleted });
    await change.getByText(`Deleted Contact ${firstDeleted}`).click();
    await change.getByRole('row', { name: /^IsDeleted false true$/ }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await card.screenshot({ path: join(SCREENSHOT_DIR, 'compare.png') });

    // One click restores that record from the snapshot before the deletion.
    await change.getByRole('button', { name: `Restore Contact ${firstDeleted}` }).click();
    await compare.getByRole('status').filter({ hasText: `Restore of ${firstDeleted} queued.` }).waitFor();
    await expect.poll(() => data.get(firstDeleted)?.IsDeleted, { timeout: 30_000 }).toBe(false);

    // Then the alert's restore brings back exactly the deleted ones; acknowledging clears it.
    await alerts.getByRole('button', { name: 'Restore these records' }).click();
    await expect.poll(() => data.ids('Contact').length, { timeout: 30_000 }).toBe(contacts.length);
    await alerts.getByRole('button', { name: 'Acknowledge' }).click();
    await alerts.waitFor({ state: 'detached' });

    // An export of the newest snapshot downloads through a signed link.
    await card.getByText('Compare and export snapshots').click();
    await card.getByLabel('Export of “To”').selectOption('Contact');
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^Contact-\d{8}-\d{6}\.csv$/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});
