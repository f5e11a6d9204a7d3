import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgData } from '../../src/emulator/org-data/index.ts';
import { startDataHarness, type DataHarness } from './data-harness.ts';

let harness: DataHarness;
beforeAll(async () => {
  harness = await startDataHarness({ records: 12_000 });
});
afterAll(() => harness.close());

type Row = Record<string, unknown>;

describe('SOQL over REST through jsforce', () => {
  it('returns attributes first, then the selected fields in order, in Salesforce formats', async () => {
    const result = await harness.connection().query<Row>(
      'SELECT Id, Name, Amount__c, Due_Date__c, Paid__c, CreatedDate, Account__c FROM Invoice__c LIMIT 1',
    );
    const [record] = result.records;
    expect(Object.keys(record)).toEqual(['attributes', 'Id', 'Name', 'Amount__c', 'Due_Date__c', 'Paid__c', 'CreatedDate', 'Account__c']);
    expect(record.attributes).toEqual({ type: 'Invoice__c', url: `/services/data/v62.0/sobjects/Invoice__c/${record.Id}` });
    expect(record.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(record.Due_Date__c).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(typeof record.Paid__c).toBe('boolean');
  });

  it('filters, orders and limits', async () => {
    const conn = harness.connection();
    const result = await conn.query<Row>(
      "SELECT Id, Industry, AnnualRevenue, CreatedDate FROM Account WHERE (Industry = 'banking' OR Industry IN ('Energy')) AND AnnualRevenue >= 1000000 AND CreatedDate > 2024-01-15T10:30:00Z ORDER BY AnnualRevenue DESC, Id LIMIT 50",
    );
    expect(result.records.length).toBe(50);
    for (const r of result.records) {
      expect(['Banking', 'Energy']).toContain(r.Industry);
      expect(r.AnnualRevenue as number).toBeGreaterThanOrEqual(1_000_000);
      expect(String(r.CreatedDate) > '2024-01-15T10:30:00.000+0000').toBe(true);
    }
    const revenues = result.records.map((r) => r.AnnualRevenue as number);
    expect(revenues).toEqual([...revenues].sort((a, b) => b - a));

    const sameAsOffsetForm = await conn.query(
      "SELECT COUNT() FROM Account WHERE (Industry = 'banking' OR Industry IN ('Energy')) AND AnnualRevenue >= 1000000 AND CreatedDate > 2024-01-15T10:30:00.000+0000",
    );
    expect(sameAsOffsetForm.totalSize).toBeGreaterThan(50);
    expect(sameAsOffsetForm.records).toEqual([]);

    const dates = await conn.query<Row>('SELECT Id, CloseDate FROM Opportunity WHERE CloseDate < 2023-03-01 AND Amount != null ORDER BY CloseDate DESC NULLS LAST LIMIT 5');
    expect(dates.records.every((r) => String(r.CloseDate) < '2023-03-01')).toBe(true);

    const notIn = await conn.query<Row>("SELECT Id, Status FROM Case WHERE Status NOT IN ('New', 'Closed') LIMIT 20");
    expect(notIn.records.every((r) => r.Status === 'Working' || r.Status === 'Escalated')).toBe(true);
    const like = await conn.query<Row>("SELECT Name FROM Account WHERE Name LIKE 'acme%' LIMIT 5");
    expect(like.records.every((r) => String(r.Name).startsWith('Acme'))).toBe(true);
  });

  it('matches ids given with 15 or 18 characters, and parent fields', async () => {
    const conn = harness.connection();
    const [contactId] = harness.data.ids('Contact', { limit: 1 });
    const contact = harness.data.get(contactId)!;
    const by15 = await conn.query<Row>(`SELECT Id, Account.Name FROM Contact WHERE Id = '${contactId.slice(0, 15)}'`);
    const by18 = await conn.query<Row>(`SELECT Id FROM Contact WHERE Id IN ('${contactId}')`);
    expect(by15.records[0].Id).toBe(contactId);
    expect(by18.totalSize).toBe(1);
    if (contact.AccountId) {
      expect(by15.records[0].Account).toMatchObject({ attributes: { type: 'Account' }, Name: harness.data.get(contact.AccountId as string)!.Name });
      const children = await conn.query(`SELECT Id FROM Contact WHERE AccountId = '${contact.AccountId}'`);
      expect(children.totalSize).toBeGreaterThanOrEqual(1);
    }
  });

  it('pages past 10,000 records with nextRecordsUrl locators and the batch size header', async () => {
    const conn = harness.connection();
    const first = await conn.query<Row>('SELECT Id, Name FROM Account', { headers: { 'Sforce-Query-Options': 'batchSize=500' } });
    expect(first.totalSize).toBe(12_000);
    expect(first.records).toHaveLength(500);
    expect(first.done).toBe(false);
    // jsforce rebuilds the URL from the locator, the last path segment.
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-500$/);

    const seen = new Set<string>(first.records.map((r) => r.Id as string));
    let page = first;
    let pages = 1;
    while (!page.done) {
      page = await conn.queryMore<Row>(page.nextRecordsUrl!);
      page.records.forEach((r) => seen.add(r.Id as string));
      pages++;
    }
    expect(pages).toBe(24);
    expect(seen.size).toBe(12_000);
    expect(page.nextRecordsUrl).toBeUndefined();
    expect(harness.data.openCursors()).toBe(0);

    const all = await conn.query('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 20_000 });
    expect(all.records).toHaveLength(12_000);
  });

  it('sees deleted records only through queryAll, with IsDeleted true, and continues queryAll cursors', async () => {
    const conn = harness.connection();
    const [victim] = harness.data.ids('Opportunity', { limit: 1 });
    await conn.sobject('Opportunity').destroy(victim);
    const live = await conn.query(`SELECT Id FROM Opportunity WHERE Id = '${victim}'`);
    expect(live.totalSize).toBe(0);
    const scanned = await conn.query<Row>(`SELECT Id, IsDeleted FROM Opportunity WHERE IsDeleted = true`, { scanAll: true });
    expect(scanned.records).toContainEqual(expect.objectContaining({ Id: victim, IsDeleted: true }));

    const allRows = await conn.query('SELECT Id FROM Opportunity', { scanAll: true });
    expect(allRows.totalSize).toBe(12_000);
    const next = await conn.queryMore(allRows.nextRecordsUrl!);
    expect(next.records).toHaveLength(2000);
  });

  it('answers bad SOQL with Salesforce error codes', async () => {
    const conn = harness.connection();
    await expect(conn.query('SELEC Id FROM Account')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(conn.query('SELECT Id, Nope FROM Account')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining("No such column 'Nope' on entity 'Account'"),
    });
    await expect(conn.query('SELECT Id FROM Nope')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
      message: expect.stringContaining("sObject type 'Nope' is not supported"),
    });
    await expect(conn.query("SELECT Id FROM Account WHERE IsDeleted = 'yes'")).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query("SELECT Id FROM Account WHERE Id = 'abc'")).rejects.toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' });
    await expect(conn.queryMore('01gXXXXXXXXXXXXXXX-2000')).rejects.toMatchObject({ errorCode: 'INVALID_QUERY_LOCATOR' });
  });
});

describe('query cursors', () => {
  it('expire after 15 minutes unused', () => {
    let now = Date.UTC(2025, 5, 1);
    const data = new OrgData({ orgId: '00D000000000009EAA', seed: 9, records: 300, now: () => now });
    const request = (path: string, q?: string) => ({
      method: 'GET', path, version: '62.0', query: new URLSearchParams(q ? { q } : {}),
      headers: { 'sforce-query-options': 'batchSize=200' }, body: undefined, userId: '005000000000001AAA',
    });
    const first = data.handle(request('/query', 'SELECT Id FROM Account'));
    const locator = /"nextRecordsUrl":"\/services\/data\/v62\.0\/query\/([^"/]+)"/.exec(String(first.body))![1];
    now += 14 * 60_000;
    expect(data.handle(request(`/query/${locator}`)).status).toBe(200);
    now += 16 * 60_000;
    expect(data.handle(request(`/query/${locator}`))).toMatchObject({ status: 400, body: [{ errorCode: 'INVALID_QUERY_LOCATOR' }] });
  });
});

describe('replication endpoints', () => {
  it('list updated and deleted ids between two datetimes (getUpdated / getDeleted)', async () => {
    const conn = harness.connection();
    const start = new Date(Date.now() - 60_000);
    const id = harness.data.insert('Case', { Subject: 'Replicated' });
    const gone = harness.data.insert('Case', { Subject: 'Removed' });
    harness.data.delete(gone);
    const end = new Date(Date.now() + 120_000);
    const updated = await conn.sobject('Case').updated(start, end);
    expect(updated.ids).toContain(id);
    expect(updated.ids).not.toContain(gone);
    const deleted = await conn.sobject('Case').deleted(start, end);
    expect(deleted.deletedRecords.map((r) => r.id)).toContain(gone);
  });
});
