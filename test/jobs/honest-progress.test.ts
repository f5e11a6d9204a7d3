import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup, restore } from '../helpers/operations.ts';

/** A backup's progress says what it did: records checked, and of those, how many changed. */
describe('backup progress', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 20 }, env: { TOKEN_LIMIT: '10' } });
  });
  afterAll(() => setup.close());

  const backedUp = async () => {
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Contact', 'Invoice__c'] });
    expect(job.status, job.error).toBe('SUCCEEDED');
    return job;
  };

  it('counts every record changed on a first backup, none on an incremental with no changes, and exactly the changes after some', async () => {
    const data = setup.emulator.data.PRODUCTION;
    // Stamped just now, as in an org set up minutes ago: within the safety margin, every incremental reads them again.
    for (const id of data.ids('Account').slice(0, 5)) data.update(id, { Description: 'Edited before the first backup' });
    const first = await backedUp();
    const all = first.snapshot.objects.reduce((sum: number, o: { recordCount: number; deletedCount: number }) => sum + o.recordCount + o.deletedCount, 0);
    expect(first.progress).toMatchObject({ checked: all, changed: all, processed: all, total: all });

    const unchanged = await backedUp();
    expect(unchanged.snapshot.incremental).toBe(true);
    // The five records stamped within the safety margin are read again, and found unchanged.
    expect(unchanged.progress).toMatchObject({ checked: 5, processed: 5, total: 5, changed: 0 });

    const contacts = data.ids('Contact');
    data.update(contacts[0], { Title: 'Changed once' });
    data.update(contacts[1], { Title: 'Changed too' });
    data.delete(data.ids('Invoice__c')[0]);
    data.insert('Account', { Name: 'New since' });
    const changes = await backedUp();
    expect(changes.snapshot.incremental).toBe(true);
    expect(changes.progress).toMatchObject({ checked: 5 + 4, changed: 4 });
  });

  it('leaves checked and changed to the restore summary for a restore', async () => {
    const latest = await backedUp();
    const job = await restore(setup.admin, latest.snapshot.id, { objects: ['Invoice__c'], dryRun: true });
    expect(job.status, job.error).toBe('SUCCEEDED');
    expect(job.progress).toMatchObject({ checked: null, changed: null });
  });
});
