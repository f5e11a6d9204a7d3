import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataHarness, type DataHarness } from './data-harness.ts';

let harness: DataHarness;
beforeAll(async () => {
  harness = await startDataHarness({ records: 10 });
});
afterAll(() => harness.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${harness.instanceUrl}/services/data/v62.0${path}`, { headers: { authorization: `Bearer ${harness.accessToken}`, ...headers } });

describe('what a real org does that a tidy one does not', () => {
  it('refuses an unfiltered query of a restricted object, and answers a filtered one', async () => {
    const conn = harness.connection();
    await expect(conn.query('SELECT Id FROM ContentDocumentLink')).rejects.toMatchObject({
      name: 'MALFORMED_QUERY',
      message: expect.stringMatching(/^Implementation restriction: ContentDocumentLink requires a filter/),
    });
    const document = harness.data.ids('ContentDocument')[0];
    const filtered = await conn.query(`SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = '${document}'`);
    expect(filtered.done).toBe(true);
  });

  it('answers 414 for a request line over 16,384 bytes and 431 when headers take it over', async () => {
    const soql = `SELECT Id FROM Account WHERE Name IN (${Array.from({ length: 1500 }, (_, i) => `'Company number ${i}'`).join(',')})`;
    expect((await get(`/query?q=${encodeURIComponent(soql)}`)).status).toBe(414);
    const short = `SELECT Id FROM Account WHERE Name IN (${Array.from({ length: 400 }, (_, i) => `'Company number ${i}'`).join(',')})`;
    expect((await get(`/query?q=${encodeURIComponent(short)}`)).status).toBe(200);
    expect((await get(`/query?q=${encodeURIComponent(short)}`, { 'x-padding': 'p'.repeat(8000) })).status).toBe(431);
  });

  it('returns files as URLs in queries and their raw bytes from those URLs', async () => {
    const id = harness.data.ids('Attachment')[0];
    const { records } = await harness.connection().query<{ Body: string }>(`SELECT Id, Body FROM Attachment WHERE Id = '${id}'`);
    expect(records[0].Body).toBe(`/services/data/v62.0/sobjects/Attachment/${id}/Body`);
    const response = await fetch(`${harness.instanceUrl}${records[0].Body}`, { headers: { authorization: `Bearer ${harness.accessToken}` } });
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(harness.data.blob(id, 'Body')!)).toBe(true);
  });

  it('describes 25 objects in one composite call and counts records through /limits/recordCount', async () => {
    const conn = harness.connection();
    const result = await conn.request<{ compositeResponse: { httpStatusCode: number; body: { name: string } }[] }>({
      method: 'POST',
      url: '/composite',
      body: JSON.stringify({
        compositeRequest: [
          { method: 'GET', url: '/services/data/v62.0/sobjects/Account/describe', referenceId: 'a' },
          { method: 'GET', url: '/services/data/v62.0/sobjects/Nope__c/describe', referenceId: 'b' },
        ],
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(result.compositeResponse.map((r) => r.httpStatusCode)).toEqual([200, 404]);
    expect(result.compositeResponse[0].body.name).toBe('Account');
    const counts = await (await get('/limits/recordCount?sObjects=Account,Task')).json();
    expect(counts).toEqual({ sObjects: [{ count: harness.data.counts().Account, name: 'Account' }, { count: harness.data.counts().Task, name: 'Task' }] });
  });

  it('keeps purged records in getDeleted\'s log for 15 days, and refuses an older window', async () => {
    const conn = harness.connection();
    const id = harness.data.insert('Lead', { LastName: 'Purged', Company: 'Gone Ltd.' });
    harness.data.delete(id);
    expect(harness.data.emptyRecycleBin()).toBeGreaterThanOrEqual(1);
    expect((await conn.query(`SELECT Id FROM Lead WHERE Id = '${id}'`, { scanAll: true })).totalSize).toBe(0);
    const deleted = await conn.sobject('Lead').deleted(new Date(Date.now() - 60_000), new Date(Date.now() + 120_000));
    expect(deleted.deletedRecords.map((r) => r.id)).toContain(id);
    await expect(conn.sobject('Lead').deleted(new Date(Date.now() - 16 * 86_400_000), new Date())).rejects.toMatchObject({ name: 'INVALID_REPLICATION_DATE' });
  });
});
