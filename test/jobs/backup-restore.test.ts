import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import { backup, restore, SNAPSHOT_RECORDS, snapshotRecords, START_BACKUP, START_RESTORE } from '../helpers/operations.ts';
import { SEARCH_OPENED_PER_PAGE } from '../../src/services/snapshots.ts';
import { sealedBytes } from '../../src/services/organisation-cipher.ts';
import { bytesOfStoredText, storedText } from '../../db/pg/record-data.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Invoice__c'];
// Queryable and replicateable, but Salesforce refuses them without a filter.
const RESTRICTED = ['ContentDocumentLink', 'ContentFolderItem', 'IdeaComment', 'KnowledgeArticleVersion', 'Vote'];

const localId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

describe('backup and restore against the emulator', () => {
  let setup: ConnectedSetup;
  const countsOf = () => setup.emulator.counters().orgs.PRODUCTION.records;

  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 300 }, env: { TOKEN_LIMIT: '20' } });
  });
  afterAll(() => setup.close());

  it('backs up every eligible object with the org\'s exact counts, skipping mirror objects and reporting refused ones', async () => {
    const job = await backup(setup.admin, setup.instanceId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', error: null, kind: 'BACKUP' });
    expect(job.progress.percent).toBe(100);
    expect(job.apiCalls).toBeGreaterThan(5);
    const counts = countsOf();
    type StoredObject = { name: string; state: string; reason: string | null; recordCount: number };
    const complete = job.snapshot.objects.filter((o: StoredObject) => o.state === 'COMPLETE');
    const skipped = job.snapshot.objects.filter((o: StoredObject) => o.state === 'SKIPPED');
    expect(complete.map((o: StoredObject) => o.name)).toEqual(expect.arrayContaining([...OBJECTS, 'Task', 'Attachment', 'Loan_Application__c']));
    expect(complete.map((o: StoredObject) => o.name)).not.toEqual(expect.arrayContaining(['AccountHistory']));
    for (const object of complete) expect(object.recordCount, object.name).toBe(counts[object.name]);
    expect(skipped.map((o: StoredObject) => o.name).sort()).toEqual(RESTRICTED);
    for (const object of skipped) expect(object.reason).toMatch(/^MALFORMED_QUERY: Implementation restriction/);
    expect(job.warnings).toHaveLength(RESTRICTED.length);
    expect(job.snapshot.incremental).toBe(false);
    expect(job.snapshot.recordCount).toBe(complete.reduce((sum: number, object: StoredObject) => sum + counts[object.name], 0));
  });

  it('stores nothing new for unchanged data, and an incremental backup captures exactly the changes', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const versions = () => rowsOf(setup.server.app).count('select count(*) as n from record_versions');
    const before = await versions();

    const unchanged = await backup(setup.admin, setup.instanceId);
    expect(unchanged.snapshot.incremental).toBe(true);
    expect(await versions()).toBe(before);

    const [changed, deleted] = data.ids('Opportunity', { limit: 2 });
    data.update(changed, { Name: 'Changed after the full backup' });
    data.delete(deleted);
    const added = data.insert('Account', { Name: 'Added after the full backup' });

    const incremental = await backup(setup.admin, setup.instanceId);
    expect(incremental.status).toBe('SUCCEEDED');
    expect(incremental.snapshot.incremental).toBe(true);
    expect((await versions()) - before).toBe(3); // the changed, the deleted (now IsDeleted) and the added record
    const counts = countsOf();
    const stored = Object.fromEntries(incremental.snapshot.objects.map((o: { name: string; recordCount: number; deletedCount: number }) => [o.name, o]));
    expect(stored.Opportunity.recordCount).toBe(counts.Opportunity);
    expect(stored.Account.recordCount).toBe(counts.Account);

    const page = await setup.admin.query(
      `query ($id: ID!, $search: String) { snapshot(id: $id) { ... on Snapshot { records(object: "Opportunity", search: $search) { nodes { id deleted fields } } } } }`,
      { id: incremental.snapshot.id, search: 'Changed after the full backup' },
    );
    expect(page.snapshot.records.nodes).toEqual([expect.objectContaining({ id: changed, deleted: false })]);
    const addedSearch = await setup.admin.query(
      `query ($id: ID!) { snapshot(id: $id) { ... on Snapshot { records(object: "Account", search: "Added after the full backup") { nodes { id } } } } }`,
      { id: incremental.snapshot.id },
    );
    expect(addedSearch.snapshot.records.nodes).toEqual([{ id: added }]);
  });

  it('brings a deleted Account back from the recycle bin with its id and its Contacts, and existing records to their snapshot values', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const full = await backup(setup.admin, setup.instanceId, { full: true });
    const accountId = data.ids('Account', { limit: 1 })[0];
    const contacts = data.ids('Contact').filter((id) => data.get(id)!.AccountId === accountId);
    expect(contacts.length).toBeGreaterThan(0);
    const originalName = data.get(accountId)!.Name;
    const survivor = data.ids('Account', { limit: 2 })[1];
    data.update(survivor, { Name: 'Renamed since the snapshot' });
    data.delete(accountId); // cascades to its contacts, opportunities and cases
    const accounts = data.counts().Account;

    const job = await restore(setup.admin, full.snapshot.id, { recordIds: [accountId, survivor], includeChildren: true });
    expect(job.status, JSON.stringify(job)).toBe('SUCCEEDED');
    expect(job.progress.failed, JSON.stringify(job.failures)).toBe(0);
    // Undeleted, not re-created: the same id, and its children back with it still pointing at it.
    expect(data.get(accountId)).toMatchObject({ IsDeleted: false, Name: originalName });
    expect(data.counts().Account).toBe(accounts + 1);
    for (const contact of contacts) expect(data.get(contact)).toMatchObject({ IsDeleted: false, AccountId: accountId });
    expect(data.get(survivor)!.Name).not.toBe('Renamed since the snapshot');
    const accountSummary = job.restoreSummary.objects.find((o: { object: string }) => o.object === 'Account');
    expect(accountSummary).toMatchObject({ undeleted: 1, updated: 1, created: 0 });
    expect(accountSummary.changes).toContainEqual({ recordId: survivor, field: 'Name', from: 'Renamed since the snapshot', to: data.get(survivor)!.Name });
    expect(job.restoreSummary).toMatchObject({ dryRun: false, created: 0, failed: 0 });
  });

  it('restores records asked for by id across objects, and leaves one deleted in the snapshot deleted', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const [invoice] = data.ids('Invoice__c', { limit: 1 });
    data.delete(invoice);
    const snapshot = (await backup(setup.admin, setup.instanceId, { full: true })).snapshot;
    const [opportunity] = data.ids('Opportunity', { limit: 1 });
    const [contact] = data.ids('Contact', { limit: 1 });
    const before = { opportunity: data.get(opportunity)!.Name, contact: data.get(contact)!.LastName };
    data.update(opportunity, { Name: 'Edited after the snapshot' });
    data.update(contact, { LastName: 'Edited after the snapshot' });

    const job = await restore(setup.admin, snapshot.id, { recordIds: [contact, invoice, opportunity] });
    expect(job.status, JSON.stringify(job)).toBe('SUCCEEDED');
    expect(job.progress).toMatchObject({ processed: 3, failed: 0, total: 3, percent: 100 });
    expect(data.get(opportunity)!.Name).toBe(before.opportunity);
    expect(data.get(contact)!.LastName).toBe(before.contact);
    expect(data.get(invoice)!.IsDeleted).toBe(true);
    expect(data.ids('Invoice__c')).not.toContain(invoice);
  });

  it('leaves records changed since the snapshot alone with overwrite false', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const full = await backup(setup.admin, setup.instanceId, { objects: ['Account'] });
    const accountId = data.ids('Account', { limit: 1 })[0];
    data.update(accountId, { Name: 'Edited by a user later' });
    const job = await restore(setup.admin, full.snapshot.id, { objects: ['Account'], recordIds: [accountId], overwrite: false });
    expect(job.status).toBe('SUCCEEDED');
    expect(data.get(accountId)!.Name).toBe('Edited by a user later');
  });

  it('lists each record Salesforce refuses and restores the rest', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const full = await backup(setup.admin, setup.instanceId, { objects: ['Invoice__c'] });
    const [good, bad] = data.ids('Invoice__c', { limit: 2 });
    // The snapshot holds a negative amount the org's validation rule now refuses.
    // (Contents are sealed with the organisation's data key: opened, changed and sealed again.)
    // Sealed bytes are kept as they are on SQLite, as base64 text on PostgreSQL (db/pg/record-data.ts).
    const rows = rowsOf(setup.server.app);
    const stored = (await rows.get<{ hash: string; data: Buffer | string }>(
      `select v.hash, v.data from record_versions v join snapshot_records r on r.record_id = v.record_id and r.version_hash = v.hash where v.record_id = ?`,
      bad,
    ))!;
    const storedBytes = typeof stored.data === 'string' ? bytesOfStoredText(stored.data) : stored.data;
    const cipher = await setup.server.app.dataKeys.forOrganisation(localId(setup.organisationId));
    const record = { ...JSON.parse(cipher.open(storedBytes).toString()), Amount__c: -5 };
    const sealed = sealedBytes(cipher.sealRecords('Invoice__c', [JSON.stringify(record)]), 0);
    await rows.run('update record_versions set data = ? where record_id = ? and hash = ?', rows.engine === 'postgres' ? storedText(sealed) : sealed, bad, stored.hash);
    data.update(good, { Notes__c: 'to be restored' });
    const job = await restore(setup.admin, full.snapshot.id, { objects: ['Invoice__c'], recordIds: [good, bad] });
    expect(job.status).toBe('SUCCEEDED');
    expect(job.progress).toMatchObject({ processed: 1, failed: 1, total: 2 });
    expect(job.failures.nodes).toEqual([
      expect.objectContaining({ object: 'Invoice__c', recordId: bad, statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' }),
    ]);
  });

  it('refuses unknown objects and record ids with InvalidInput, using no token', async () => {
    const tokens = async () =>
      (await setup.admin.query(`query ($id: ID!) { instance(id: $id) { ... on Instance { tokensRemaining } } }`, { id: setup.instanceId })).instance.tokensRemaining;
    const before = await tokens();
    const badBackup = (await setup.admin.query(START_BACKUP, { instanceId: setup.instanceId, objects: ['Account', 'Nope__c', 'AccountHistory'] })).startBackup;
    expect(badBackup).toMatchObject({ __typename: 'InvalidInput', field: 'objects', values: ['Nope__c', 'AccountHistory'] });

    const snapshotId = (await backup(setup.admin, setup.instanceId, { objects: ['Account'] })).snapshot.id;
    const afterBackup = await tokens();
    const badObjects = (await setup.admin.query(START_RESTORE, { snapshotId, objects: ['Contact'] })).startRestore;
    expect(badObjects).toMatchObject({ __typename: 'InvalidInput', field: 'objects', values: ['Contact'] });
    const badRecords = (await setup.admin.query(START_RESTORE, { snapshotId, recordIds: ['001000000000000AAA'] })).startRestore;
    expect(badRecords).toMatchObject({ __typename: 'InvalidInput', field: 'recordIds', values: ['001000000000000AAA'] });
    // More ids than SQLite takes parameters in one statement: checked all the same.
    const known = setup.emulator.data.PRODUCTION.ids('Account', { limit: 1 });
    const unknown = Array.from({ length: 40_000 }, (_, i) => `001${String(i).padStart(12, '0')}ZZZ`);
    const manyRecords = (await setup.admin.query(START_RESTORE, { snapshotId, recordIds: [...known, ...unknown] })).startRestore;
    expect(manyRecords).toMatchObject({ __typename: 'InvalidInput', field: 'recordIds' });
    expect(manyRecords.values).toEqual(unknown);
    expect(manyRecords.message).toBe(`Records not in the snapshot: ${unknown.slice(0, 10).join(', ')} and 39990 more`);
    expect(afterBackup).toBe(before - 1);
    expect(await tokens()).toBe(afterBackup);
  });

  it('restores into another instance of the same organisation', async () => {
    const full = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Contact'] });
    const sandbox = (
      await setup.admin.query(
        `mutation ($organisationId: ID!) { addInstance(organisationId: $organisationId, environment: SANDBOX, name: "sandbox") { ... on Instance { id } } }`,
        { organisationId: setup.organisationId },
      )
    ).addInstance.id;
    await reauthenticate(setup.admin, sandbox, setup.emulator.orgs.SANDBOX);
    const sandboxData = setup.emulator.data.SANDBOX;
    const before = sandboxData.counts();
    const accountId = setup.emulator.data.PRODUCTION.ids('Account', { limit: 1 })[0];
    const job = await restore(setup.admin, full.snapshot.id, { recordIds: [accountId], includeChildren: true, targetInstanceId: sandbox });
    expect(job.status, JSON.stringify(job)).toBe('SUCCEEDED');
    expect(sandboxData.counts().Account).toBe(before.Account + 1);
    expect(sandboxData.counts().Contact).toBeGreaterThan(before.Contact);
  });

  it("pages a snapshot's records by cursor, each page going on after the last, with or without a search", async () => {
    const data = setup.emulator.data.PRODUCTION;
    const marked = data.ids('Account').filter((_, i) => i % 7 === 0);
    for (const id of marked) data.update(id, { Description: 'Marked for the paging walk' });
    const full = await backup(setup.admin, setup.instanceId, { objects: ['Account'], full: true });
    const account = full.snapshot.objects.find((object: { name: string }) => object.name === 'Account');

    const walked = (await snapshotRecords(setup.admin, full.snapshot.id, 'Account', 7)).map((record) => record.id);
    expect(walked).toHaveLength(account.recordCount + account.deletedCount);
    expect(walked.every((id, i) => i === 0 || walked[i - 1] < id)).toBe(true); // in id order, none twice
    // Matches fall unevenly across pages of 3; each page goes on after the last match.
    const found = (await snapshotRecords(setup.admin, full.snapshot.id, 'Account', 3, 'marked for the PAGING walk')).map((record) => record.id);
    expect(found).toEqual([...marked].sort());
  });
});

describe('reading a large snapshot', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: SEARCH_OPENED_PER_PAGE + 1000 } });
  });
  afterAll(() => setup.close());

  it('searches a part of a large object a request, each page saying where to search on, and reads one record by its id', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const ids = [...data.ids('Account')].sort();
    const [early, late] = [ids[10], ids.at(-10)!];
    for (const id of [early, late]) data.update(id, { Description: 'Marked for the large search' });
    const full = await backup(setup.admin, setup.instanceId, { objects: ['Account'], full: true });
    const search = (after: string | null) =>
      setup.admin.query(SNAPSHOT_RECORDS, { id: full.snapshot.id, object: 'Account', first: 10, after, search: 'marked for the LARGE search' });

    // The first request finds the early record, then stops opening records: its page is short, and goes on.
    const first = (await search(null)).snapshot.records;
    expect(first.nodes.map((record: { id: string }) => record.id)).toEqual([early]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await search(first.pageInfo.endCursor)).snapshot.records;
    expect(second.nodes.map((record: { id: string }) => record.id)).toEqual([late]);
    expect((await snapshotRecords(setup.admin, full.snapshot.id, 'Account', 10, 'marked for the large search')).map((record) => record.id)).toEqual([early, late]);

    const one = `query ($id: ID!, $object: String!, $recordId: String!) { snapshot(id: $id) { ... on Snapshot { record(object: $object, id: $recordId) { id deleted fields } } } }`;
    const read = await setup.admin.query(one, { id: full.snapshot.id, object: 'Account', recordId: late });
    expect(read.snapshot.record).toMatchObject({ id: late, deleted: false, fields: { Id: late, Description: 'Marked for the large search' } });
    expect((await setup.admin.query(one, { id: full.snapshot.id, object: 'Account', recordId: '001000000000000AAA' })).snapshot.record).toBeNull();
    const unknownObject = await setup.admin.request(one, { id: full.snapshot.id, object: 'NoSuchObject', recordId: late });
    expect(unknownObject.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('jobUpdated', () => {
  it('pushes status changes and progress to the organisation\'s subscribers only', async () => {
    const setup = await startConnectedInstance({ emulator: { records: 4000 } });
    try {
      const other = await createOrganisationWithKey(setup.server.operator, 'Globex');
      const socket = setup.admin.ws();
      const otherSocket = other.client.ws();
      const updates = setup.admin.subscribeWs(socket, `subscription { jobUpdated { id status progress { processed total } } }`);
      const otherUpdates = other.client.subscribeWs(otherSocket, `subscription { jobUpdated { id } }`);
      await Promise.all([updates.opening(), otherUpdates.opening()]);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const job = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Contact'] });
      await updates.until(() => updates.values.some((v) => v.data.jobUpdated.status === 'SUCCEEDED'), 'the final update');
      const statuses = updates.values.map((v) => v.data.jobUpdated.status);
      expect(statuses[0]).toBe('QUEUED');
      expect(statuses).toContain('RUNNING');
      expect(statuses.at(-1)).toBe('SUCCEEDED');
      expect(updates.values.every((v) => v.data.jobUpdated.id === job.id)).toBe(true);
      expect(updates.values.at(-1)!.data.jobUpdated.progress).toEqual({ processed: 8000, total: 8000 });
      expect(otherUpdates.values).toHaveLength(0);
      await Promise.all([socket.dispose(), otherSocket.dispose()]);
    } finally {
      await setup.close();
    }
  });
});
