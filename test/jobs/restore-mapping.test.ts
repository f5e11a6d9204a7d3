import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { runJob, START_BACKUP, START_RESTORE } from '../helpers/operations.ts';



/**
 * A re-created record gets a new id (here: restored into a sandbox, which never held it). The
 * service remembers which, per target instance, so a later restore of its children links them to
 * it and a second restore updates it instead of making a twin.
 */
describe('restores that build on earlier restores', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 40 }, env: { TOKEN_LIMIT: '20' } });
  });
  afterAll(() => setup.close());

  it('links children restored later to their re-created parent, and never re-creates a record twice', async () => {
    const { admin, instanceId, emulator } = setup;
    const source = emulator.data.PRODUCTION;
    const target = emulator.data.SANDBOX;
    const sandbox = (
      await admin.query(`mutation ($org: ID!) { addInstance(organisationId: $org, environment: SANDBOX, name: "sandbox") { ... on Instance { id } } }`, {
        org: setup.organisationId,
      })
    ).addInstance.id;
    await reauthenticate(admin, sandbox, emulator.orgs.SANDBOX);
    const snapshotId = (await runJob(admin, START_BACKUP, { instanceId })).snapshot.id;
    const account = source.ids('Account').find((id) => source.ids('Contact').filter((c) => source.get(c)!.AccountId === id).length >= 2)!;
    const contacts = source.ids('Contact').filter((c) => source.get(c)!.AccountId === account);
    const name = source.get(account)!.Name;
    const before = target.counts();

    // First the Account alone: a new id in the sandbox.
    const accounts = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Account'], recordIds: [account], targetInstanceId: sandbox });
    expect(accounts).toMatchObject({ status: 'SUCCEEDED', progress: { processed: 1, failed: 0 } });
    const recreated = target.ids('Account').filter((id) => target.get(id)!.Name === name);
    expect(recreated).toHaveLength(1);
    const newAccount = recreated[0];

    // Then its Contacts, in another job: they point at the re-created Account.
    const children = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Contact'], recordIds: contacts, targetInstanceId: sandbox });
    expect(children.failures.nodes).toEqual([]);
    expect(children).toMatchObject({ status: 'SUCCEEDED', progress: { processed: contacts.length, failed: 0 } });
    expect(target.ids('Contact').filter((c) => target.get(c)!.AccountId === newAccount)).toHaveLength(contacts.length);

    // The same restores again: the re-created records are updated, not made once more.
    target.update(newAccount, { Name: 'Renamed after the restore' });
    const again = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Account', 'Contact'], recordIds: [account, ...contacts], targetInstanceId: sandbox });
    expect(again).toMatchObject({ status: 'SUCCEEDED', progress: { failed: 0 } });
    expect(target.get(newAccount)!.Name).toBe(name);
    expect(target.counts()).toMatchObject({ Account: before.Account + 1, Contact: before.Contact + contacts.length });
    expect(target.ids('Contact').filter((c) => target.get(c)!.AccountId === newAccount)).toHaveLength(contacts.length);
  });
});
