import { describe, expect, it } from 'vitest';
import { startConnectedInstance } from '../helpers/connected-instance.ts';
import { jobEnded, START_BACKUP } from '../unattended/helpers.ts';
import { accessibilityViolations, withDashboard } from './browser.ts';

/** A person sets a backup schedule in the dashboard (headless Chromium, real server, emulator). */

const suite = withDashboard(() => startConnectedInstance({ emulator: { records: 5 } }));

describe('the dashboard schedule', () => {
  it('sets a policy and shows the next run time, then warns when one token is left', { timeout: 90_000 }, async () => {
    const { server, admin, instanceId } = suite.setup;
    const page = await suite.chromium.context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${server.app.publicUrl}/`);
    await page.getByLabel('API key').fill(admin.apiKey!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Live updates on').waitFor();

    const card = page.getByRole('article', { name: 'production org' });
    const panel = card.getByRole('region', { name: 'Scheduled backups' });
    await panel.getByText('No schedule').waitFor();

    // A window opening three hours from now, on the hour (UTC).
    const opening = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3 * 3_600_000);
    const hhmm = opening.toISOString().slice(11, 16);
    await panel.getByText('Schedule settings').click();
    const form = panel.getByRole('form', { name: 'Backup schedule' });
    await form.getByLabel('Frequency').selectOption('EVERY_12_HOURS');
    await form.getByLabel('Start window from (UTC)').fill(hhmm);
    await form.getByLabel('Window length (hours)').fill('2');
    await form.getByRole('button', { name: 'Save schedule' }).click();
    await panel.getByRole('status', { name: 'Schedule outcome' }).filter({ hasText: 'Schedule saved.' }).waitFor();

    await page.waitForFunction(
      (iso) => Array.from(document.querySelectorAll('time')).some((time) => time.getAttribute('datetime') === iso),
      opening.toISOString(),
    );
    expect(await panel.locator('dd').first().locator('time').getAttribute('datetime')).toBe(opening.toISOString());

    // Four jobs leave one token: the card warns, live.
    for (let i = 0; i < 4; i++) await jobEnded(admin, (await admin.query(START_BACKUP, { instanceId })).startBackup.id);
    await panel.getByRole('note').filter({ hasText: 'Only 1 token left' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});
