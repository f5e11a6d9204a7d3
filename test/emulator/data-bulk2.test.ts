import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataHarness, type DataHarness } from './data-harness.ts';

let harness: DataHarness;
beforeAll(async () => {
  harness = await startDataHarness({ records: 3000 });
});
afterAll(() => harness.close());

type Row = Record<string, unknown>;

async function raw(method: string, path: string, body?: unknown) {
  const res = await fetch(`${harness.instanceUrl}/services/data/v62.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${harness.accessToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('Bulk API 2.0 query', () => {
  it('runs through conn.bulk2.query and returns every record, CSV escaping included', async () => {
    const tricky = 'Quote "this", then\na new line';
    const id = harness.data.insert('Account', { Name: 'Tricky, Inc.', Description: tricky });
    const conn = harness.connection();
    const stream = await conn.bulk2.query('SELECT Id, Name, Description, AnnualRevenue, CreatedDate, IsDeleted FROM Account');
    const records = (await stream.toArray()) as Row[];
    expect(records).toHaveLength(3001);
    expect(records.find((r) => r.Id === id)).toMatchObject({ Name: 'Tricky, Inc.', Description: tricky, IsDeleted: 'false' });
    expect(records[0].CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('includes deleted records with queryAll', async () => {
    const [victim] = harness.data.ids('Invoice__c', { limit: 1 });
    harness.data.delete(victim);
    const conn = harness.connection();
    const live = (await (await conn.bulk2.query('SELECT Id FROM Invoice__c')).toArray()) as Row[];
    const all = (await (await conn.bulk2.query('SELECT Id, IsDeleted FROM Invoice__c', { scanAll: true })).toArray()) as Row[];
    expect(live.map((r) => r.Id)).not.toContain(victim);
    expect(all.find((r) => r.Id === victim)).toMatchObject({ IsDeleted: 'true' });
  });

  it('follows Salesforce job shapes, pages with locators and ends with the literal null', async () => {
    harness.data.configureBulkJobs({ processingMs: 400 });
    const created = await raw('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id, Name FROM Contact ORDER BY Id' });
    expect(created.status).toBe(200);
    const job = JSON.parse(created.text);
    expect(job).toMatchObject({
      id: expect.stringMatching(/^750[A-Za-z0-9]{15}$/), operation: 'query', object: 'Contact', state: 'UploadComplete',
      contentType: 'CSV', apiVersion: 62, lineEnding: 'LF', columnDelimiter: 'COMMA',
    });
    // In progress for a while (the emulator's default processing time), then complete.
    expect(JSON.parse((await raw('GET', `/jobs/query/${job.id}`)).text)).toMatchObject({ state: 'InProgress' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    harness.data.configureBulkJobs({ processingMs: 100 });
    const polled = JSON.parse((await raw('GET', `/jobs/query/${job.id}`)).text);
    expect(polled).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 3000 });

    let locator: string | null = '';
    const lines: string[] = [];
    let pages = 0;
    while (locator !== 'null') {
      const page = await raw('GET', `/jobs/query/${job.id}/results?maxRecords=1000${locator ? `&locator=${locator}` : ''}`);
      expect(page.headers.get('content-type')).toBe('text/csv');
      expect(page.headers.get('sforce-numberofrecords')).toBe('1000');
      const [header, ...rows] = page.text.trimEnd().split('\n');
      expect(header).toBe('"Id","Name"');
      lines.push(...rows);
      locator = page.headers.get('sforce-locator');
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(lines).size).toBe(3000);

    const bad = await raw('POST', '/jobs/query', { operation: 'query', query: 'SELECT Nope FROM Contact' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)[0].errorCode).toBe('INVALID_FIELD');
    expect((await raw('DELETE', `/jobs/query/${job.id}`)).status).toBe(204);
    expect((await raw('GET', `/jobs/query/${job.id}`)).status).toBe(404);
  });
});
