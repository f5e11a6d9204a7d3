import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { authorizeJsforce } from '../helpers/emulator-login.ts';
import { backup, snapshotRecords } from '../helpers/operations.ts';

const localId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

/**
 * An object with hundreds of fields that also holds files (ContentVersion, with the custom fields
 * document management adds): every field is in the snapshot, and every file byte for byte.
 */
describe('a wide object with files', () => {
  let setup: ConnectedSetup;
  let salesforce: jsforce.Connection;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 10 } });
    salesforce = await authorizeJsforce(setup.emulator);
  });
  afterAll(() => setup.close());

  it('backs up every field of every record, and files byte-identical', async () => {
    const describe = await salesforce.sobject('ContentVersion').describe();
    expect(describe.fields.filter((f) => f.custom).length).toBeGreaterThan(250);
    expect(describe.fields.find((f) => f.name === 'VersionData')?.type).toBe('base64');
    const lastField = describe.fields.filter((f) => f.custom).at(-1)!.name;

    const data = setup.emulator.data.PRODUCTION;
    const bytes = randomBytes(1024 * 1024 + 7);
    const inserted = data.insert('ContentVersion', {
      ContentDocumentId: data.ids('ContentDocument')[0],
      Title: 'Signed contract',
      PathOnClient: 'contract.pdf',
      VersionData: bytes.toString('base64'),
      [lastField]: 'Written in the last field',
    });

    const job = await backup(setup.admin, setup.instanceId, { objects: ['ContentVersion'], full: true });
    expect(job.status, job.error).toBe('SUCCEEDED');
    const stored = await snapshotRecords(setup.admin, job.snapshot.id, 'ContentVersion');
    expect(stored.map((r) => r.id).sort()).toEqual(data.ids('ContentVersion').sort());
    expect(stored.find((r) => r.id === inserted)!.fields[lastField]).toBe('Written in the last field');

    const blobs = setup.server.app.blobs.forOrganisation(localId(setup.organisationId));
    let fileBytes = 0;
    for (const record of stored) {
      // Every field as the REST API shows the record, the file's URL replaced by its stored copy.
      const { attributes: _attributes, VersionData: _url, ...live } = data.get(record.id)!;
      const { VersionData: file, ...fields } = record.fields as { VersionData: { blob: string; size: number } };
      expect(fields, record.id).toEqual(live);
      const original = data.blob(record.id, 'VersionData')!;
      expect((await buffer(blobs.read(file.blob))).equals(original), `the file of ${record.id}`).toBe(true);
      fileBytes += file.size;
    }
    expect(stored.find((r) => r.id === inserted)!.fields.VersionData).toMatchObject({ size: bytes.length });
    expect(job.snapshot.objects.find((o: { name: string }) => o.name === 'ContentVersion')).toMatchObject({ blobCount: stored.length, blobBytes: fileBytes });
  });
});
