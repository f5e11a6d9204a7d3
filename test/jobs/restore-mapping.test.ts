import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { runJob, START_BACKUP, START_RESTORE } from '../helpers/operations.ts';

/**
 * A re-created record gets a new id. The service remembers which, per target instance, so a later
 * restore of its children links them to it and a second restore updates it instead of making a twin.
 */
describe('restores that build on earlier restores', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 40 }, env: { TOKEN_LIMIT: '20' } });
  });
  afterAll(() => setup.close());

  it('links children restored later to their re-created parent, and never re-creates a record twice', async () => {
    const { admin, instanceId, emulator } = setup;
    const data = emulator.data.PRODUCTION;
    const snapshotId = (await runJob(admin, START_BACKUP, { instanceId })).snapshot.id;
    const account = data.ids('Account').find((id) => data.ids('Contact').filter((c) => data.get(c)!.AccountId === id).length >= 2)!;
    const contacts = data.ids('Contact').filter((c) => data.get(c)!.AccountId === account);
    const name = data.get(account)!.Name;
    const before = data.counts();
    data.delete(account);

    // First the Account alone: a new id.
    const accounts = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Account'], recordIds: [account] });
    expect(accounts).toMatchObject({ status: 'SUCCEEDED', progress: { processed: 1, failed: 0 } });
    const recreated = data.ids('Account').filter((id) => data.get(id)!.Name === name);
    expect(recreated).toHaveLength(1);
    const newAccount = recreated[0];
    expect(newAccount).not.toBe(account);

    // Then its Contacts, in another job: they point at the re-created Account.
    const children = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Contact'], recordIds: contacts });
    expect(children.failures.nodes).toEqual([]);
    expect(children).toMatchObject({ status: 'SUCCEEDED', progress: { processed: contacts.length, failed: 0 } });
    const linked = data.ids('Contact').filter((c) => data.get(c)!.AccountId === newAccount);
    expect(linked).toHaveLength(contacts.length);

    // The same restores again: the re-created records are updated, not made once more.
    data.update(newAccount, { Name: 'Renamed after the restore' });
    const again = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Account', 'Contact'], recordIds: [account, ...contacts] });
    expect(again).toMatchObject({ status: 'SUCCEEDED', progress: { failed: 0 } });
    expect(data.get(newAccount)!.Name).toBe(name);
    expect(data.counts()).toMatchObject({ Account: before.Account, Contact: before.Contact });
    expect(data.ids('Contact').filter((c) => data.get(c)!.AccountId === newAccount)).toHaveLength(contacts.length);
  });
});
