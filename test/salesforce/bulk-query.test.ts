import { describe, expect, it } from 'vitest';
import { bulkQueryAll, csvRecordTexts } from '../../src/salesforce/bulk-query.ts';
import type { SalesforceSession } from '../../src/salesforce/session.ts';

const RECORDS = Array.from({ length: 3_000 }, (_, i) => ({ Id: `001${String(i).padStart(15, '0')}`, Name: `${'€'.repeat(i % 17)}Zoë 😀 ${i}` }));
const CSV = new TextEncoder().encode(`"Id","Name"\n${RECORDS.map((r) => `"${r.Id}","${r.Name}"`).join('\n')}\n`);

/** A session whose job is complete at once and whose only result page arrives as one network chunk. */
function sessionGiving(page: Uint8Array): SalesforceSession {
  return {
    request: () => Promise.resolve({ id: '750000000000001', state: 'JobComplete', numberRecordsProcessed: RECORDS.length }),
    download: () =>
      Promise.resolve(
        new Response(new ReadableStream({ start: (controller) => (controller.enqueue(page), controller.close()) }), { headers: { 'sforce-locator': 'null' } }),
      ),
  } as unknown as SalesforceSession;
}

describe('Bulk API 2.0 query results', () => {
  it('reads a chunk far larger than it parses at once, characters cut between pieces included', async () => {
    const continuationByte = (index: number) => (CSV[index] & 0b1100_0000) === 0b1000_0000;
    // The page is read 32 KB at a time: some of those cuts must fall inside a character.
    expect(CSV.length).toBeGreaterThan(4 * 32 * 1024);
    expect([1, 2, 3, 4].some((piece) => continuationByte(piece * 32 * 1024))).toBe(true);

    const read = [];
    const options = { checkpoint: () => undefined, decode: csvRecordTexts(new Map([['Id', 'id'], ['Name', 'string']])), firstPollMs: 0 };
    for await (const batch of bulkQueryAll(sessionGiving(CSV), 'SELECT Id, Name FROM Account', options)) read.push(...batch);
    expect(read.map(({ Id, IsDeleted }) => ({ Id, IsDeleted }))).toEqual(RECORDS.map(({ Id }) => ({ Id, IsDeleted: false })));
    // The JSON REST gives for these records, byte for byte: equal contents read either way are stored once.
    expect(read.map(({ json }) => json)).toEqual(RECORDS.map((record) => JSON.stringify(record)));
  });
});
