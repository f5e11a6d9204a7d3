import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup, restore } from '../helpers/operations.ts';

/**
 * Records purged from the recycle bin are created again: lookups of any shape follow them to their
 * new ids, and files come back byte for byte.
 */
describe('restores of purged records: lookups and files', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 10 }, env: { TOKEN_LIMIT: '50' } });
  });
  afterAll(() => setup.close());

  const data = () => setup.emulator.data.PRODUCTION;
  const purge = (...ids: string[]) => {
    ids.forEach((id) => data().delete(id));
    setup.emulator.emptyRecycleBin('PRODUCTION');
    for (const id of ids) expect(data().get(id)).toBeUndefined();
  };
  const named = (object: string, name: string) => data().ids(object).filter((id) => data().get(id)!.Name === name);

  it('re-creates a parent and child Account, a cycle between them and a Task on the parent, each pointing at the new ids', async () => {
    const parent = data().insert('Account', { Name: 'Parent Holdings' });
    const child = data().insert('Account', { Name: 'Child Subsidiary', ParentId: parent });
    data().update(parent, { ParentId: child }); // a cycle: each is the other's parent
    const task = data().insert('Task', { Subject: 'Call the parent', WhatId: parent });
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Task'] })).snapshot;
    purge(task, child, parent);

    const job = await restore(setup.admin, snapshot.id, { recordIds: [parent, child, task] });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    expect(job.failures.nodes).toEqual([]);
    expect(job.restoreSummary).toMatchObject({ created: 3, failed: 0 });
    const [newParent] = named('Account', 'Parent Holdings');
    const [newChild] = named('Account', 'Child Subsidiary');
    expect(data().get(newChild)!.ParentId).toBe(newParent);
    expect(data().get(newParent)!.ParentId).toBe(newChild);
    const newTask = data().ids('Task').find((id) => data().get(id)!.Subject === 'Call the parent')!;
    expect(data().get(newTask)!.WhatId).toBe(newParent);
  });

  it('brings a deleted attachment back byte for byte: undeleted from the recycle bin, created again once purged', async () => {
    const account = data().ids('Account')[0];
    const bytes = randomBytes(300_000);
    const attachment = data().insert('Attachment', { ParentId: account, Name: 'scan.pdf', ContentType: 'application/pdf', Body: bytes.toString('base64') });
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Attachment'] })).snapshot;

    data().delete(attachment);
    const undeleted = await restore(setup.admin, snapshot.id, { recordIds: [attachment] });
    expect(undeleted.restoreSummary).toMatchObject({ undeleted: 1 });
    expect(data().blob(attachment, 'Body')!.equals(bytes)).toBe(true);

    purge(attachment);
    const created = await restore(setup.admin, snapshot.id, { recordIds: [attachment] });
    expect(created.status, JSON.stringify(created.failures)).toBe('SUCCEEDED');
    expect(created.restoreSummary).toMatchObject({ created: 1 });
    const [copy] = named('Attachment', 'scan.pdf');
    expect(copy).not.toBe(attachment);
    expect(data().blob(copy, 'Body')!.equals(bytes)).toBe(true);
  });

  it("puts back the bytes of an attachment changed in the org since the backup, and leaves an unchanged one alone", async () => {
    const account = data().ids('Account')[0];
    const original = randomBytes(200_000);
    const changed = data().insert('Attachment', { ParentId: account, Name: 'contract.pdf', Body: original.toString('base64') });
    const untouched = data().insert('Attachment', { ParentId: account, Name: 'logo.png', Body: randomBytes(5_000).toString('base64') });
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Attachment'] })).snapshot;
    data().update(changed, { Body: randomBytes(200_000).toString('base64') }); // same size, other bytes

    const dryRun = await restore(setup.admin, snapshot.id, { recordIds: [changed, untouched], dryRun: true });
    expect(dryRun.restoreSummary).toMatchObject({ updated: 1, unchanged: 1 });
    const writes = data().writeCounters();
    const job = await restore(setup.admin, snapshot.id, { recordIds: [changed, untouched] });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    expect(job.restoreSummary).toMatchObject({ updated: 1, unchanged: 1, created: 0 });
    expect(data().writeCounters().updated).toBe(writes.updated + 1);
    expect(data().blob(changed, 'Body')!.equals(original)).toBe(true);

    const again = await restore(setup.admin, snapshot.id, { recordIds: [changed, untouched] });
    expect(again.restoreSummary).toMatchObject({ updated: 0, unchanged: 2 });
  });

  it('sends a file too large for a JSON create as multipart, byte for byte', async () => {
    const account = data().ids('Account')[0];
    const bytes = randomBytes(21 * 1024 * 1024);
    const attachment = data().insert('Attachment', { ParentId: account, Name: 'video.mp4', Body: bytes.toString('base64') });
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Attachment'] })).snapshot;
    purge(attachment);

    const job = await restore(setup.admin, snapshot.id, { recordIds: [attachment] });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    const [copy] = named('Attachment', 'video.mp4');
    expect(data().blob(copy, 'Body')!.equals(bytes)).toBe(true);
  });
});
