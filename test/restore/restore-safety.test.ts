import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup, restore } from '../helpers/operations.ts';
import { waitUntil } from '../helpers/wait.ts';

// Exactly the collection create/update endpoint (a path prefix would also match the retrieve below it).
const COLLECTIONS = '^/services/data/v62.0/composite/sobjects$';
const COUNTED = ['undeleted', 'created', 'updated', 'unchanged', 'skipped', 'failed'] as const;

type Summary = { objects: ({ object: string } & Record<(typeof COUNTED)[number], number>)[] };
/** Per-object counts of a restore summary, without the samples. */
const countsOf = (summary: Summary) =>
  Object.fromEntries(summary.objects.map((o) => [o.object, Object.fromEntries(COUNTED.map((name) => [name, o[name]]))]));

/**
 * A restore writes into a customer's production org: these are the promises an admin relies on,
 * checked with the real jsforce client against the emulator and a real SQLite file.
 */
describe('restores that never harm the org', () => {
  let setup: ConnectedSetup;
  let sandbox: string;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 30 }, env: { TOKEN_LIMIT: '50', SALESFORCE_RETRY_DELAY_MS: '10', SALESFORCE_CALL_TIMEOUT_SECONDS: '2' } });
    const { admin, emulator, organisationId } = setup;
    sandbox = (
      await admin.query(`mutation ($org: ID!) { addInstance(organisationId: $org, environment: SANDBOX, name: "sandbox") { ... on Instance { id } } }`, {
        org: organisationId,
      })
    ).addInstance.id;
    await reauthenticate(admin, sandbox, emulator.orgs.SANDBOX);
  });
  afterAll(() => setup.close());

  const production = () => setup.emulator.data.PRODUCTION;
  const target = () => setup.emulator.data.SANDBOX;
  const tokensRemaining = async (id: string) =>
    (await setup.admin.query(`query ($id: ID!) { instance(id: $id) { ... on Instance { tokensRemaining } } }`, { id })).instance.tokensRemaining;

  it('creates each record exactly once when Salesforce applies a create and then answers 503 or drops the connection', async () => {
    const account = production().ids('Account')[0];
    for (let i = 0; i < 570; i++) production().insert('Invoice__c', { Account__c: account, Amount__c: i, Notes__c: `invoice ${i % 7}` });
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Invoice__c'] })).snapshot;
    const invoices = snapshot.objects.find((o: { name: string }) => o.name === 'Invoice__c').recordCount;
    const before = target().counts().Invoice__c;
    const accountsBefore = target().counts().Account;
    // The first create goes through but its answer is a 503; the second's connection drops after it went through.
    setup.emulator.failNext({ method: 'POST', path: COLLECTIONS, status: 503, apply: true, environment: 'SANDBOX' });
    setup.emulator.failNext({ method: 'POST', path: COLLECTIONS, drop: true, apply: true, environment: 'SANDBOX' });

    const job = await restore(setup.admin, snapshot.id, { objects: ['Account', 'Invoice__c'], targetInstanceId: sandbox });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    expect(job.failures.nodes).toEqual([]);
    expect(setup.emulator.counters().faultsPending).toBe(0); // both creates met their fault
    expect(target().counts().Invoice__c).toBe(before + invoices);
    const accounts = snapshot.objects.find((o: { name: string }) => o.name === 'Account').recordCount;
    expect(target().counts().Account).toBe(accountsBefore + accounts);
    expect(job.restoreSummary).toMatchObject({ created: invoices + accounts, failed: 0 });
    // Run again: every record is known by its new id and equal to the snapshot, so nothing is written.
    const writes = target().writeCounters();
    const again = await restore(setup.admin, snapshot.id, { objects: ['Account', 'Invoice__c'], targetInstanceId: sandbox });
    expect(again.restoreSummary).toMatchObject({ unchanged: invoices + accounts, created: 0, updated: 0 });
    expect(target().counts().Invoice__c).toBe(before + invoices);
    expect(target().writeCounters()).toEqual(writes);
  });

  it('sends nothing again while a create whose connection dropped may still be committing', async () => {
    const invoices = Array.from({ length: 40 }, (_, i) => production().insert('Invoice__c', { Amount__c: 7000 + i, Notes__c: `late ${i}` }));
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Invoice__c'] })).snapshot;
    const before = target().counts().Invoice__c;
    // Salesforce reads the create, the socket drops, and the records appear a second later:
    // a check of the org right after the drop would find nothing and send them all again.
    setup.emulator.failNext({ method: 'POST', path: COLLECTIONS, drop: true, apply: true, commitAfterMs: 1000, environment: 'SANDBOX' });

    const job = await restore(setup.admin, snapshot.id, { objects: ['Invoice__c'], recordIds: invoices, targetInstanceId: sandbox });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    expect(job.failures.nodes).toEqual([]);
    expect(setup.emulator.counters().faultsPending).toBe(0);
    await waitUntil(() => setup.emulator.counters().lateCommitsPending === 0, 'the dropped create to be carried out');
    expect(target().counts().Invoice__c).toBe(before + invoices.length);
    expect(job.restoreSummary).toMatchObject({ created: invoices.length, failed: 0 });
    expect(job.warnings.join('\n')).toMatch(/Invoice__c: Salesforce did not answer 40 create\(s\)\. Salesforce may still carry them out until/);
  });

  it("after a lost answer, counts as its own only the records its user created, not another user's twins", async () => {
    const values = Array.from({ length: 40 }, (_, i) => ({ Amount__c: 9000 + i, Notes__c: `twin ${i}` }));
    const invoices = values.map((fields) => production().insert('Invoice__c', fields));
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Invoice__c'] })).snapshot;
    // Someone else's data load put the same values into the sandbox just before the restore.
    for (const fields of values) target().insert('Invoice__c', fields);
    const before = target().counts().Invoice__c;
    setup.emulator.failNext({ method: 'POST', path: COLLECTIONS, status: 503, apply: true, environment: 'SANDBOX' });

    const job = await restore(setup.admin, snapshot.id, { objects: ['Invoice__c'], recordIds: invoices, targetInstanceId: sandbox });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    expect(job.failures.nodes).toEqual([]);
    expect(setup.emulator.counters().faultsPending).toBe(0);
    expect(target().counts().Invoice__c).toBe(before + invoices.length);
    expect(job.restoreSummary).toMatchObject({ created: invoices.length, failed: 0 });
  });

  it('writes nothing to an org that already equals the snapshot', async () => {
    const snapshot = (await backup(setup.admin, setup.instanceId, { full: true })).snapshot;
    const writes = production().writeCounters();
    const job = await restore(setup.admin, snapshot.id);
    expect(job.status).toBe('SUCCEEDED');
    expect(production().writeCounters()).toEqual(writes);
    expect(job.restoreSummary).toMatchObject({ unchanged: snapshot.recordCount, updated: 0, created: 0, undeleted: 0, failed: 0 });
  });

  it('sets off no assignment rule, and re-creates a record a duplicate rule would have blocked', async () => {
    const account = production().insert('Account', { Name: 'Globex Holdings' });
    const cases = ['Printer jam', 'Login fails', 'Invoice wrong'].map((Subject) => production().insert('Case', { Subject, AccountId: account }));
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Case'] })).snapshot;
    // The sandbox already holds an Account of the same name: the duplicate rule's alert is acknowledged.
    target().insert('Account', { Name: 'Globex Holdings' });
    production().update(cases[0], { Subject: 'Edited in production' });
    const writes = { production: production().writeCounters(), sandbox: target().writeCounters() };

    const edited = await restore(setup.admin, snapshot.id, { recordIds: cases });
    expect(edited.restoreSummary).toMatchObject({ updated: 1, unchanged: 2 });
    const copied = await restore(setup.admin, snapshot.id, { recordIds: [account, ...cases], targetInstanceId: sandbox });
    expect(copied.failures.nodes).toEqual([]);
    expect(copied.restoreSummary).toMatchObject({ created: 4 });
    expect(production().writeCounters()).toMatchObject({ assignmentRulesFired: writes.production.assignmentRulesFired, updated: writes.production.updated + 1 });
    expect(target().writeCounters()).toMatchObject({ assignmentRulesFired: writes.sandbox.assignmentRulesFired, duplicatesBlocked: 0, created: writes.sandbox.created + 4 });
  });

  it('says first what a restore would do, writing nothing and using no token, and the restore then does exactly that', async () => {
    const fresh = production().insert('Account', { Name: 'Initech' });
    const freshContacts = ['Lumbergh', 'Waddams'].map((LastName) => production().insert('Contact', { LastName, AccountId: fresh }));
    const snapshot = (await backup(setup.admin, setup.instanceId, { full: true })).snapshot;
    const accounts = production().ids('Account');
    const withChildren = accounts.find((id) => id !== fresh && production().ids('Contact').some((c) => production().get(c)!.AccountId === id))!;
    production().delete(withChildren);
    const edited = accounts.find((id) => id !== fresh && id !== withChildren && production().get(id)!.Phone)!;
    production().update(edited, { Industry: 'Media', Phone: '+1 555 0100' });
    production().update(production().ids('Contact').at(-1)!, { Title: 'Changed by mistake' });
    const writes = production().writeCounters();
    const tokens = await tokensRemaining(setup.instanceId);

    const dryRun = await restore(setup.admin, snapshot.id, { dryRun: true });
    expect(dryRun.status, dryRun.error).toBe('SUCCEEDED');
    expect(production().writeCounters()).toEqual(writes);
    expect(production().get(withChildren)!.IsDeleted).toBe(true);
    expect(await tokensRemaining(setup.instanceId)).toBe(tokens);
    // The Account comes back from the recycle bin (its Contacts with it); lookups its delete cleared are set again.
    expect(countsOf(dryRun.restoreSummary)).toMatchObject({ Account: { undeleted: 1, updated: 1 }, Contact: { undeleted: 0, updated: 1 } });
    expect(dryRun.restoreSummary).toMatchObject({ dryRun: true, created: 0, failed: 0 });
    const accountChanges = dryRun.restoreSummary.objects.find((o: { object: string }) => o.object === 'Account').changes;
    expect(accountChanges).toContainEqual({ recordId: edited, field: 'Phone', from: '+1 555 0100', to: expect.any(String) });

    const real = await restore(setup.admin, snapshot.id);
    expect(real.status).toBe('SUCCEEDED');
    expect(await tokensRemaining(setup.instanceId)).toBe(tokens - 1);
    expect(countsOf(real.restoreSummary)).toEqual(countsOf(dryRun.restoreSummary));
    expect(production().get(withChildren)!.IsDeleted).toBe(false);

    // Into the sandbox, where everything is created: the same again, children linked to their new parents.
    const records = [fresh, ...freshContacts];
    const dryCopy = await restore(setup.admin, snapshot.id, { recordIds: records, targetInstanceId: sandbox, dryRun: true });
    const copy = await restore(setup.admin, snapshot.id, { recordIds: records, targetInstanceId: sandbox });
    expect(countsOf(copy.restoreSummary)).toEqual(countsOf(dryCopy.restoreSummary));
    expect(copy.restoreSummary).toMatchObject({ created: records.length, failed: 0 });
  });

  it('restores the children of the records named in objects, in their own objects, with includeChildren', async () => {
    const snapshot = (await backup(setup.admin, setup.instanceId, { full: true })).snapshot;
    const contact = production().ids('Contact').find((c) => production().get(c)!.AccountId)!;
    const account = production().get(contact)!.AccountId as string;
    const title = production().get(contact)!.Title;
    production().update(contact, { Title: 'Edited child' });

    const job = await restore(setup.admin, snapshot.id, { objects: ['Account'], recordIds: [account], includeChildren: true });
    expect(job.status).toBe('SUCCEEDED');
    expect(production().get(contact)!.Title).toBe(title);
    expect(job.restoreSummary.objects.map((o: { object: string }) => o.object)).toContain('Contact');
  });

  it('explains a failure in words the user can act on', async () => {
    const snapshot = (await backup(setup.admin, setup.instanceId, { objects: ['Account'] })).snapshot;
    setup.emulator.failNext({ method: 'GET', path: '/services/data/v62.0/sobjects/Account/describe', status: 404, count: 1, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
    const job = await restore(setup.admin, snapshot.id, { objects: ['Account'] });
    expect(job.status).toBe('FAILED');
    expect(job.error).toBe(
      'The org has no object Account (any more, or not for this user), so nothing was restored. Restore the other objects by naming them, or give the user access to Account.',
    );
  });
});
