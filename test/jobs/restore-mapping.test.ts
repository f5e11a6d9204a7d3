import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';

const START_BACKUP = `mutation ($instanceId: ID!) { startBackup(instanceId: $instanceId) { __typename ... on Job { id } ... on Error { message } } }`;
const START_RESTORE = `mutation ($snapshotId: ID!, $objects: [String!], $recordIds: [ID!]) {
  startRestore(snapshotId: $snapshotId, objects: $objects, recordIds: $recordIds) { __typename ... on Job { id } ... on Error { message } }
}`;
const JOB = `query ($id: ID!) {
  job(id: $id) { ... on Job { status error progress { processed failed total } snapshot { id } failures(first: 10) { nodes { recordId statusCode message } } } }
}`;
const JOB_UPDATED = `subscription { jobUpdated { id status } }`;
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

async function run(client: GraphQLClient, mutation: string, variables: Record<string, unknown>) {
  const socket = client.ws();
  try {
    const events = client.subscribeWs(socket, JOB_UPDATED);
    await events.opening();
    const started = Object.values(await client.query(mutation, variables))[0] as { __typename: string; id: string; message?: string };
    expect(started.__typename, started.message).toBe('Job');
    await events.until(
      () => events.values.some((v) => v.data?.jobUpdated.id === started.id && TERMINAL.includes(v.data.jobUpdated.status)),
      'the job to end',
      30_000,
    );
    return (await client.query(JOB, { id: started.id })).job;
  } finally {
    await socket.dispose();
  }
}

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
    const snapshotId = (await run(admin, START_BACKUP, { instanceId })).snapshot.id;
    const account = data.ids('Account').find((id) => data.ids('Contact').filter((c) => data.get(c)!.AccountId === id).length >= 2)!;
    const contacts = data.ids('Contact').filter((c) => data.get(c)!.AccountId === account);
    const name = data.get(account)!.Name;
    const before = data.counts();
    data.delete(account);

    // First the Account alone: a new id.
    const accounts = await run(admin, START_RESTORE, { snapshotId, objects: ['Account'], recordIds: [account] });
    expect(accounts).toMatchObject({ status: 'SUCCEEDED', progress: { processed: 1, failed: 0 } });
    const recreated = data.ids('Account').filter((id) => data.get(id)!.Name === name);
    expect(recreated).toHaveLength(1);
    const newAccount = recreated[0]!;
    expect(newAccount).not.toBe(account);

    // Then its Contacts, in another job: they point at the re-created Account.
    const children = await run(admin, START_RESTORE, { snapshotId, objects: ['Contact'], recordIds: contacts });
    expect(children.failures.nodes).toEqual([]);
    expect(children).toMatchObject({ status: 'SUCCEEDED', progress: { processed: contacts.length, failed: 0 } });
    const linked = data.ids('Contact').filter((c) => data.get(c)!.AccountId === newAccount);
    expect(linked).toHaveLength(contacts.length);

    // The same restores again: the re-created records are updated, not made once more.
    data.update(newAccount, { Name: 'Renamed after the restore' });
    const again = await run(admin, START_RESTORE, { snapshotId, objects: ['Account', 'Contact'], recordIds: [account, ...contacts] });
    expect(again).toMatchObject({ status: 'SUCCEEDED', progress: { failed: 0 } });
    expect(data.get(newAccount)!.Name).toBe(name);
    expect(data.counts()).toMatchObject({ Account: before.Account, Contact: before.Contact });
    expect(data.ids('Contact').filter((c) => data.get(c)!.AccountId === newAccount)).toHaveLength(contacts.length);
  });
});
