import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataHarness, type DataHarness } from './data-harness.ts';

let harness: DataHarness;
beforeAll(async () => {
  harness = await startDataHarness({ records: 100 });
});
afterAll(() => harness.close());

type Row = Record<string, unknown>;
const codes = (results: { success: boolean; errors: unknown[] }[]) =>
  results.map((r) => (r.success ? 'OK' : (r.errors[0] as { statusCode: string }).statusCode));

describe('composite collections through jsforce', () => {
  it('creates records and reports per-record errors in input order', async () => {
    const conn = harness.connection();
    const [accountId] = harness.data.ids('Account', { limit: 1 });
    const results = await conn.sobject('Contact').create([
      { LastName: 'Okafor', AccountId: accountId, Birthdate: '1990-02-03' },
      { FirstName: 'No last name' },
      { LastName: 'X', Nope__c: 1 },
      { LastName: 'X', CreatedDate: '2024-01-01T00:00:00Z' },
      { LastName: 'X'.repeat(81) },
      { LastName: 'X', Birthdate: 'yesterday' },
      { LastName: 'X', AccountId: '001000000000000AAA' },
      { LastName: 'X', AccountId: 'garbage' },
    ]);
    expect(codes(results)).toEqual([
      'OK', 'REQUIRED_FIELD_MISSING', 'INVALID_FIELD', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'STRING_TOO_LONG',
      'INVALID_TYPE_ON_FIELD_IN_RECORD', 'INVALID_CROSS_REFERENCE_KEY', 'MALFORMED_ID',
    ]);
    expect(results[1]).toEqual({
      success: false,
      errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }],
    });
    const created = harness.data.get(results[0].id!)!;
    expect(created).toMatchObject({ LastName: 'Okafor', Name: 'Okafor', AccountId: accountId, Birthdate: '1990-02-03', IsDeleted: false });
    expect(created.CreatedDate).toBe(created.SystemModstamp);
  });

  it('fires the invoice validation rule and fills defaults', async () => {
    const results = await harness.connection().sobject('Invoice__c').create([{ Amount__c: -5 }, { Amount__c: 12.345 }, { Amount__c: 1, Status__c: 'Lost' }]);
    expect(codes(results)).toEqual(['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'OK', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST']);
    expect(harness.data.get(results[1].id!)).toMatchObject({ Amount__c: 12.35, Status__c: 'Draft', Paid__c: false, Name: 'INV-000101' });
  });

  it('rolls everything back with allOrNone when one record fails', async () => {
    const conn = harness.connection();
    const before = harness.data.counts();
    const results = await conn.sobject('Account').create([{ Name: 'Good 1' }, { Name: null }, { Name: 'Good 2' }], { allOrNone: true });
    expect(codes(results)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'REQUIRED_FIELD_MISSING', 'ALL_OR_NONE_OPERATION_ROLLED_BACK']);
    expect(results[0].id).toBeUndefined();
    expect(harness.data.counts()).toEqual(before);

    const [a, b] = harness.data.ids('Account', { limit: 2 });
    const nameBefore = harness.data.get(a)!.Name;
    const updates = await conn.sobject('Account').update([{ Id: a, Name: 'Changed' }, { Id: b, Name: '' }], { allOrNone: true });
    expect(codes(updates)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'REQUIRED_FIELD_MISSING']);
    expect(updates[0].id).toBe(a);
    expect(harness.data.get(a)!.Name).toBe(nameBefore);
  });

  it('updates with lowercase ids, bumping LastModifiedDate and SystemModstamp monotonically', async () => {
    const conn = harness.connection();
    const [a, b] = harness.data.ids('Opportunity', { limit: 2 });
    const results = await conn.sobject('Opportunity').update([
      { Id: a, StageName: 'Closed Won', Amount: 1234.5 },
      { Id: b, StageName: 'Closed Lost' },
      { Id: b, CreatedDate: '2020-01-01T00:00:00Z' },
      { Id: '006000000000000AAA', StageName: 'Closed Won' },
      { Id: 'nope', StageName: 'Closed Won' },
      { Id: harness.data.ids('Account', { limit: 1 })[0], Name: 'wrong object' },
    ]);
    expect(codes(results)).toEqual(['OK', 'OK', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'INVALID_CROSS_REFERENCE_KEY', 'MALFORMED_ID', 'INVALID_ID_FIELD']);
    const first = harness.data.get(a)!;
    const second = harness.data.get(b)!;
    expect(first).toMatchObject({ StageName: 'Closed Won', Amount: 1234.5 });
    expect(first.LastModifiedDate).toBe(first.SystemModstamp);
    expect(String(second.SystemModstamp) > String(first.SystemModstamp)).toBe(true);
    expect(String(first.SystemModstamp) > String(first.CreatedDate)).toBe(true);
  });

  it('upserts by external id, saying which records were created', async () => {
    const conn = harness.connection();
    const first = await conn.sobject('Account').upsert([{ External_Id__c: 'UPS-1', Name: 'Upserted' }, { External_Id__c: 'UPS-2', Name: 'Other' }], 'External_Id__c');
    expect(first.map((r) => [r.success, r.created])).toEqual([[true, true], [true, true]]);
    const second = await conn.sobject('Account').upsert([{ External_Id__c: 'ups-1', Name: 'Renamed' }, { External_Id__c: 'UPS-3', Name: null }], 'External_Id__c');
    expect(second.map((r) => r.created)).toEqual([false, undefined]);
    expect(second[0].id).toBe(first[0].id);
    expect(codes(second)).toEqual(['OK', 'REQUIRED_FIELD_MISSING']);
    expect(harness.data.get(first[0].id!)!.Name).toBe('Renamed');
    await expect(conn.sobject('Account').upsert([{ Name: 'x', Phone: '1' }], 'Phone')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    const duplicate = await conn.sobject('Account').create([{ Name: 'Dup', External_Id__c: 'UPS-2' }]);
    expect(codes(duplicate)).toEqual(['DUPLICATE_VALUE']);
  });

  it('deletes into the recycle bin, cascading to contacts, opportunities and cases, clearing invoice lookups', async () => {
    const conn = harness.connection();
    const accountId = harness.data.insert('Account', { Name: 'Doomed' });
    const contactId = harness.data.insert('Contact', { LastName: 'Child', AccountId: accountId });
    const caseId = harness.data.insert('Case', { Subject: 'Via contact', ContactId: contactId });
    const opportunityId = harness.data.insert('Opportunity', { Name: 'O', StageName: 'Prospecting', CloseDate: '2025-01-01', AccountId: accountId });
    const invoiceId = harness.data.insert('Invoice__c', { Amount__c: 10, Account__c: accountId });
    const invoiceStampBefore = harness.data.get(invoiceId)!.SystemModstamp;

    const results = await conn.sobject('Account').destroy([accountId, accountId.slice(0, 15), '001000000000000AAA', 'bad']);
    expect(codes(results)).toEqual(['OK', 'ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'MALFORMED_ID']);
    for (const id of [accountId, contactId, caseId, opportunityId]) expect(harness.data.get(id)!.IsDeleted).toBe(true);
    const invoice = harness.data.get(invoiceId)!;
    expect(invoice).toMatchObject({ IsDeleted: false, Account__c: null });
    expect(String(invoice.SystemModstamp) > String(invoiceStampBefore)).toBe(true);

    const bin = await conn.query<Row>(`SELECT Id, IsDeleted FROM Contact WHERE AccountId = '${accountId}'`, { scanAll: true });
    expect(bin.records).toEqual([expect.objectContaining({ Id: contactId, IsDeleted: true })]);
    const lookupToDeleted = await conn.sobject('Contact').create([{ LastName: 'Orphan', AccountId: accountId }]);
    expect(codes(lookupToDeleted)).toEqual(['ENTITY_IS_DELETED']);

    const [keep, drop] = harness.data.ids('Invoice__c', { limit: 2 });
    const rolledBack = await conn.sobject('Invoice__c').destroy([keep, accountId], { allOrNone: true });
    expect(codes(rolledBack)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'ENTITY_IS_DELETED']);
    expect(harness.data.get(keep)!.IsDeleted).toBe(false);
    expect(drop).toBeDefined();
  });

  it('refuses more than 200 records with EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ Name: `Bulk ${i}` }));
    await expect(harness.connection().sobject('Account').create(records)).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
      message: 'record limit reached. cannot submit more than 200 records into this call',
    });
    const cases = harness.data.ids('Case');
    const ids = Array.from({ length: 201 }, (_, i) => cases[i % cases.length]);
    await expect(harness.connection().sobject('Case').destroy(ids)).rejects.toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
  });

  it('retrieves many records through the collection endpoint', async () => {
    const ids = harness.data.ids('Account', { limit: 2 });
    const records = await harness.connection().sobject('Account').retrieve([...ids, '001000000000000AAA']);
    expect(records.map((r) => r?.Id ?? null)).toEqual([...ids, null]);
  });
});

describe('single-record endpoints through jsforce', () => {
  it('creates, retrieves, updates, upserts and deletes one record', async () => {
    const conn = harness.connection();
    const created = await conn.sobject('Account').create({ Name: 'Single', Website: 'https://single.example.com' });
    expect(created).toEqual({ id: expect.stringMatching(/^001[A-Za-z0-9]{15}$/), success: true, errors: [] });
    const fetched = await conn.sobject('Account').retrieve(created.id!);
    expect(fetched).toMatchObject({ attributes: { type: 'Account' }, Id: created.id, Name: 'Single', IsDeleted: false });

    expect(await conn.sobject('Account').update({ Id: created.id!, Industry: 'Media' })).toMatchObject({ success: true });
    expect(harness.data.get(created.id!)!.Industry).toBe('Media');

    const up = await conn.sobject('Account').upsert({ External_Id__c: 'SINGLE-1', Name: 'Upserted single' }, 'External_Id__c');
    expect(up).toMatchObject({ success: true });

    await expect(conn.sobject('Account').create({ Industry: 'Media' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING' });
    await expect(conn.sobject('Account').update({ Id: created.id!, Nope: 1 })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });

    expect(await conn.sobject('Account').destroy(created.id!)).toMatchObject({ success: true });
    await expect(conn.sobject('Account').retrieve(created.id!)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    await expect(conn.sobject('Account').destroy(created.id!)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
  });
});
