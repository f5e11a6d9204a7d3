import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startConnectedInstance } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { accessibilityViolations, sidewaysOverflow, signIn as signInAt, withDashboard } from './browser.ts';

/**
 * The operator's organisations and keys page, and an instance's settings, in headless Chromium
 * against the real server and emulator: what is done on the page, refused with the API's own
 * message, and what another client changes meanwhile, shown without a reload.
 */

const SCREENSHOT_DIR = process.env.SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url).pathname : tmpdir();

const suite = withDashboard(() => startConnectedInstance());
const operator = () => suite.setup.server.operator;

async function signIn(key: string, width = 1280): Promise<Page> {
  const page = await signInAt(suite.chromium.context, suite.setup.server.app.publicUrl!, key, width);
  // The socket is open, and its subscriptions registered a moment later (graphql-ws does not
  // acknowledge them): what another client changes from here on arrives over it.
  await page.getByText('Live updates on').waitFor();
  await sleep(300);
  return page;
}

const openOrganisations = async (page: Page, name = 'Organisations') => {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
};

const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`;
const MINT = `mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "from a script") { ... on ApiKeyCreated { apiKey { id } } } }`;

describe('organisations and keys page', () => {
  it('creates, renames and deletes organisations, mints and revokes keys, with typed refusals and changes made elsewhere shown live', { timeout: 120_000 }, async () => {
    const page = await signIn(operator().apiKey!);
    await openOrganisations(page);
    const acme = page.getByRole('region', { name: 'Acme', exact: true });
    await acme.getByRole('heading', { name: 'API keys of Acme' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // Create; the same name again is refused with NameTaken's message.
    const create = page.getByRole('form', { name: 'Create an organisation' });
    await create.getByLabel('New organisation name').fill('Globex');
    await create.getByRole('button', { name: 'Create organisation' }).click();
    const globex = page.getByRole('region', { name: 'Globex', exact: true });
    await globex.waitFor();
    await create.getByLabel('New organisation name').fill('globex');
    await create.getByRole('button', { name: 'Create organisation' }).click();
    await page.getByRole('status').filter({ hasText: /already|taken/i }).first().waitFor();
    expect(await page.getByRole('heading', { level: 2, name: /^globex$/i }).count()).toBe(1);

    // Mint an ADMIN key: its secret is shown once, and it works.
    const mint = globex.getByRole('form', { name: 'Mint a key for Globex' });
    await mint.getByLabel('Key name').fill('globex admin');
    await mint.getByLabel('Role').selectOption('ADMIN');
    await mint.getByRole('button', { name: 'Mint key' }).click();
    const secret = (await globex.getByRole('status').getByLabel('Secret of globex admin').textContent())!;
    expect(secret).toMatch(/^sfb_/);
    const globexAdmin = suite.setup.server.client(secret);
    expect((await globexAdmin.query('{ viewer { role organisation { name } } }')).viewer).toEqual({ role: 'ADMIN', organisation: { name: 'Globex' } });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'organisations.png'), fullPage: true });

    // Another client: an organisation created, a key minted and revoked, all shown without a reload.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    await createOrganisationWithKey(operator(), 'Initech');
    await page.getByRole('region', { name: 'Initech', exact: true }).waitFor();
    const scripted = (await operator().query(MINT, { organisationId: suite.setup.organisationId })).createApiKey.apiKey.id;
    const scriptedKey = acme.getByRole('listitem').filter({ hasText: 'from a script' });
    await scriptedKey.waitFor();
    await operator().query(REVOKE, { id: scripted });
    await scriptedKey.getByText('revoked').waitFor();
    await operator().query(`mutation ($id: ID!) { renameOrganisation(id: $id, name: "Acme Inc") { __typename } }`, { id: suite.setup.organisationId });
    await page.getByRole('heading', { level: 2, name: 'Acme Inc' }).waitFor();

    // Revoke on the page: the key is refused at once.
    const adminKey = globex.getByRole('listitem').filter({ hasText: 'globex admin' });
    await adminKey.getByRole('button', { name: 'Revoke globex admin' }).click();
    await adminKey.getByRole('button', { name: 'Yes, revoke globex admin' }).click();
    await adminKey.getByText('revoked').waitFor();
    expect((await globexAdmin.request('{ viewer { role } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Rename: a taken name is refused with the API's message, a free one is taken.
    await globex.getByText('Rename or delete Globex').click();
    await globex.getByLabel('Name', { exact: true }).fill('Initech');
    await globex.getByRole('button', { name: 'Rename' }).click();
    await globex.getByRole('status').filter({ hasText: /Initech/ }).filter({ hasText: /already|taken/i }).waitFor();
    await globex.getByLabel('Name', { exact: true }).fill('Globex Corp');
    await globex.getByRole('button', { name: 'Rename' }).click();
    const globexCorp = page.getByRole('region', { name: 'Globex Corp', exact: true });
    await globexCorp.waitFor();

    // Delete: only once the name is typed again; then it is gone, here and from the API.
    // The same settings stay open under the new name.
    const remove = globexCorp.getByRole('button', { name: 'Delete Globex Corp' });
    expect(await remove.isDisabled()).toBe(true);
    await globexCorp.getByLabel('Type Globex Corp to delete').fill('Globex');
    expect(await remove.isDisabled()).toBe(true);
    await globexCorp.getByLabel('Type Globex Corp to delete').fill('Globex Corp');
    await remove.click();
    await globexCorp.waitFor({ state: 'detached' });
    const names = (await operator().query('{ organisations { nodes { name } } }')).organisations.nodes.map((o: { name: string }) => o.name);
    expect(names).toEqual(['Acme Inc', 'Initech']);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.close();
  });

  it('shows an ADMIN key its own organisation’s keys, and works at 390 px without sideways scrolling', async () => {
    const page = await signIn(suite.setup.admin.apiKey!, 390);
    await openOrganisations(page, 'API keys');
    await page.getByRole('listitem').filter({ hasText: 'test' }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Create organisation' }).count()).toBe(0);
    await page.getByLabel('Key name').fill('phone');
    await page.getByRole('button', { name: 'Mint key' }).click();
    await page.getByLabel('Secret of phone').waitFor();
    expect(await sidewaysOverflow(page)).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'api-keys-phone.png'), fullPage: true });
    await page.close();
  });
});

describe('instances page, live and managed', () => {
  it('shows organisations and instances created, renamed and removed elsewhere without a reload', { timeout: 60_000 }, async () => {
    const page = await signIn(operator().apiKey!);
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const hooli = await createOrganisationWithKey(operator(), 'Hooli');
    const section = page.getByRole('region', { name: 'Hooli', exact: true });
    await section.waitFor();
    const instanceId = await addInstance(hooli.client, hooli.organisationId, 'PRODUCTION', 'Hooli live');
    await section.getByRole('article', { name: 'Hooli live' }).waitFor();
    const deleted = await hooli.client.query(`mutation ($id: ID!) { deleteInstance(id: $id, confirmName: "Hooli live") { __typename ... on Error { message } } }`, { id: instanceId });
    expect(deleted.deleteInstance).toEqual({ __typename: 'Deletion' });
    await section.getByRole('article', { name: 'Hooli live' }).waitFor({ state: 'detached' });
    await operator().query(`mutation ($id: ID!) { renameOrganisation(id: $id, name: "Hooli XYZ") { __typename } }`, { id: hooli.organisationId });
    await page.getByRole('region', { name: 'Hooli XYZ', exact: true }).waitFor();
    await operator().query(`mutation ($id: ID!) { deleteOrganisation(id: $id, confirmName: "Hooli XYZ") { __typename } }`, { id: hooli.organisationId });
    await page.getByRole('region', { name: 'Hooli XYZ', exact: true }).waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.close();
  });

  it('shows an organisation created while the page had read the list but its live socket was not yet open', { timeout: 60_000 }, async () => {
    let open = () => {};
    const opening = new Promise<void>((resolve) => (open = resolve));
    const page = await suite.chromium.context.newPage();
    page.setDefaultTimeout(20_000);
    await page.routeWebSocket(/\/graphql/, async (socket) => {
      await opening;
      socket.connectToServer();
    });
    await page.goto(`${suite.setup.server.app.publicUrl!}/`);
    await page.getByLabel('API key').fill(operator().apiKey!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('region').first().waitFor(); // the list is read
    // The socket is held closed: the page says it is still connecting (waited for, as it may render a moment after the list).
    await page.getByText('Connecting live updates…').waitFor();

    await createOrganisationWithKey(operator(), 'Umbrella');
    open();
    await page.getByText('Live updates on').waitFor();
    await page.getByRole('region', { name: 'Umbrella', exact: true }).waitFor();
    await page.close();
  });

  it('renames, disconnects (keeping snapshots) and deletes an instance, with typed refusals', { timeout: 60_000 }, async () => {
    await addInstance(suite.setup.admin, suite.setup.organisationId, 'PRODUCTION', 'Spare org');
    const page = await signIn(suite.setup.admin.apiKey!);
    const card = page.getByRole('article', { name: 'production org' });
    await card.getByText('Connected', { exact: true }).waitFor();
    await card.getByText('Manage instance').click();
    expect(await accessibilityViolations(page)).toEqual([]);

    await card.getByLabel('Name', { exact: true }).fill('Spare org');
    await card.getByRole('button', { name: 'Rename' }).click();
    await card.getByRole('status').filter({ hasText: /Spare org/ }).filter({ hasText: /already|taken/i }).waitFor();
    await card.getByLabel('Name', { exact: true }).fill('Acme live');
    await card.getByRole('button', { name: 'Rename' }).click();
    const live = page.getByRole('article', { name: 'Acme live' });
    await live.waitFor();

    await live.getByLabel('Keep its snapshots').check();
    await live.getByRole('button', { name: 'Disconnect' }).click();
    await live.getByText('Not connected', { exact: true }).waitFor();
    await live.getByRole('status').filter({ hasText: 'disconnected' }).waitFor();
    expect(suite.setup.emulator.orgs.PRODUCTION.username).toBeTruthy();

    const spare = page.getByRole('article', { name: 'Spare org' });
    await spare.getByText('Manage instance').click();
    await spare.getByLabel('Type Spare org to delete').fill('Spare org');
    await spare.getByRole('button', { name: 'Delete Spare org' }).click();
    await spare.waitFor({ state: 'detached' });
    const instances = (await suite.setup.admin.query(`{ organisation(id: "${suite.setup.organisationId}") { ... on Organisation { instances { name status } } } }`)).organisation.instances;
    expect(instances).toEqual([{ name: 'Acme live', status: 'NOT_CONNECTED' }]);
    await page.close();
  });
});
