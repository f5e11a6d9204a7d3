import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { createExportLinks, EXPORT_LINK_LIFETIME_MS } from '../../src/services/export-links.ts';
import { dataLoaderValue } from '../../src/services/exports.ts';
import type { Viewer } from '../../src/services/viewer.ts';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { authorizeJsforce } from '../helpers/emulator-login.ts';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import { runJob, START_BACKUP } from '../helpers/operations.ts';
import { downloadCsv, parseCsv } from './exports.ts';

const EXPORT_LINK = `mutation ($snapshotId: ID!, $object: String) {
  createExportLink(snapshotId: $snapshotId, object: $object) { __typename ... on ExportLink { url expiresAt } ... on Error { message } }
}`;
const REVOKE_KEY = `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`;
const MY_KEYS = `query { apiKeys(first: 10) { edges { node { id name } } } }`;

/** Every entry of a zip: name and bytes. */
async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<ZipFile>((resolve, reject) => fromBuffer(bytes, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file))));
  const entries = new Map<string, Buffer>();
  const next = () =>
    new Promise<Entry | undefined>((resolve, reject) => {
      zip.once('entry', resolve).once('end', () => resolve(undefined)).once('error', reject);
      zip.readEntry();
    });
  for (let entry = await next(); entry; entry = await next()) {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    entries.set(entry.fileName, Buffer.concat(chunks));
    zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
  }
  return entries;
}

describe('exports', () => {
  let setup: ConnectedSetup;
  let snapshotId: string;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 50 }, env: { TOKEN_LIMIT: '20' } });
    const job = await runJob(setup.admin, START_BACKUP, { instanceId: setup.instanceId, objects: ['Account', 'Contact', 'Attachment'] });
    expect(job.status, job.error).toBe('SUCCEEDED');
    snapshotId = job.snapshot.id;
  });
  afterAll(() => setup.close());

  it('gives a CSV that Data Loader reads, which re-imported through the API reproduces the records', async () => {
    const { admin, emulator, server } = setup;
    const link = (await admin.query(EXPORT_LINK, { snapshotId, object: 'Contact' })).createExportLink;
    expect(link.__typename, link.message).toBe('ExportLink');
    expect(new Date(link.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(EXPORT_LINK_LIFETIME_MS);
    // The browser opens the link without the key.
    const response = await fetch(new URL(link.url, server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="Contact-\d{8}-\d{6}\.csv"$/);
    // The download is in the audit log, as the key that made the link.
    const audit = await admin.query(`{ auditLog(first: 1, filter: { action: "export" }) { nodes { actorName outcome targetId detail } } }`);
    expect(audit.auditLog.nodes).toEqual([{ actorName: 'test', outcome: 'SUCCEEDED', targetId: snapshotId, detail: 'Contact as CSV' }]);
    const { columns, records } = parseCsv(await response.text());
    expect(columns.slice(0, 2)).toEqual(['Id', 'IsDeleted']);
    expect(columns).toEqual(expect.arrayContaining(['AccountId', 'FirstName', 'LastName', 'Birthdate', 'HasOptedOutOfEmail', 'CreatedDate']));
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.HasOptedOutOfEmail === 'true' || r.HasOptedOutOfEmail === 'false')).toBe(true);
    expect(records.find((r) => r.Birthdate)!.Birthdate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(records[0].CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);

    // The org loses its Contacts for good; Data Loader puts them back from the CSV.
    const data = emulator.data.PRODUCTION;
    for (const id of data.ids('Contact')) data.delete(id);
    emulator.emptyRecycleBin('PRODUCTION');
    expect(data.ids('Contact')).toHaveLength(0);
    const connection = await authorizeJsforce(emulator);
    const describe = await connection.sobject('Contact').describe();
    const createable = describe.fields.filter((f) => f.createable && columns.includes(f.name));
    const typed = (type: string, text: string) =>
      type === 'boolean' ? text === 'true' : ['int', 'double', 'currency', 'percent'].includes(type) ? Number(text) : text;
    const bodies = records.map((row) => Object.fromEntries(createable.filter((f) => row[f.name] !== '').map((f) => [f.name, typed(f.type, row[f.name])])));
    const created: string[] = [];
    for (let start = 0; start < bodies.length; start += 200) {
      const results = await connection.sobject('Contact').create(bodies.slice(start, start + 200), { allOrNone: true });
      created.push(...results.map((r) => (r.success ? r.id : '')));
    }
    expect(created.every(Boolean)).toBe(true);
    for (const [i, id] of created.entries()) {
      const record = data.get(id)!;
      for (const field of createable) expect(dataLoaderValue(record[field.name], () => ''), `${field.name} of row ${i}`).toBe(records[i][field.name]);
    }
  });

  it('zips a whole snapshot: a CSV per object and the files beside them, byte for byte', async () => {
    const { admin, server, emulator } = setup;
    const link = (await admin.query(EXPORT_LINK, { snapshotId })).createExportLink;
    const response = await fetch(new URL(link.url, server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const entries = await unzip(Buffer.from(await response.arrayBuffer()));
    expect([...entries.keys()].filter((name) => name.endsWith('.csv')).sort()).toEqual(['Account.csv', 'Attachment.csv', 'Contact.csv']);
    const attachments = parseCsv(entries.get('Attachment.csv')!.toString('utf8')).records;
    expect(attachments.length).toBeGreaterThan(0);
    for (const row of attachments) {
      expect(row.Body).toBe(`Attachment/${row.Id}-Body`);
      const original = emulator.data.PRODUCTION.blob(row.Id, 'Body')!;
      expect(createHash('sha256').update(entries.get(row.Body)!).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
    }
    // The same CSV as one object's export, with the key in the header instead of a link.
    expect(parseCsv(entries.get('Account.csv')!.toString('utf8'))).toEqual(await downloadCsv(admin, snapshotId, 'Account'));
  });

  it('refuses links that are changed, expired, or whose key was revoked, and snapshots of other organisations', async () => {
    const { admin, server } = setup;
    const { client: other } = await createOrganisationWithKey(server.operator, 'Other');
    const refused = (await other.query(EXPORT_LINK, { snapshotId, object: 'Account' })).createExportLink;
    expect(refused.__typename).toBe('NotFound');
    const byHeader = await fetch(new URL(`/exports?snapshot=${snapshotId}&object=Account`, server.url), { headers: { authorization: `Bearer ${other.apiKey}` } });
    expect(byHeader.status).toBe(404);
    expect((await admin.query(EXPORT_LINK, { snapshotId, object: 'Nothing__c' })).createExportLink.__typename).toBe('InvalidInput');
    expect((await fetch(new URL(`/exports?snapshot=${snapshotId}&object=Account`, server.url))).status).toBe(401);

    const good = (await admin.query(EXPORT_LINK, { snapshotId, object: 'Account' })).createExportLink.url as string;
    const tampered = good.replace(/\.[^.]+$/, (signature) => `.${signature.slice(1, 2) === 'A' ? 'B' : 'A'}${signature.slice(2)}`);
    expect((await fetch(new URL(tampered, server.url))).status).toBe(403);
    expect((await fetch(new URL(good, server.url))).status).toBe(200);
    const keyId = (await admin.query(MY_KEYS)).apiKeys.edges[0].node.id;
    await server.operator.query(REVOKE_KEY, { id: keyId });
    const afterRevocation = await fetch(new URL(good, server.url));
    expect(afterRevocation.status).toBe(403);
    expect(await afterRevocation.text()).not.toMatch(/Account/);

    const operator: Viewer = { kind: 'operator' };
    const links = createExportLinks(Buffer.alloc(32, 7), { viewerOfKey: () => Promise.resolve(null) });
    const made = links.create(operator, { snapshotId: 's', object: null }, 1_000);
    const token = made.path.slice('/exports/'.length);
    expect(await links.open(token, 1_000 + EXPORT_LINK_LIFETIME_MS - 1)).toEqual({ viewer: operator, target: { snapshotId: 's', object: null } });
    expect(await links.open(token, 1_000 + EXPORT_LINK_LIFETIME_MS)).toBeUndefined();
  });
});
