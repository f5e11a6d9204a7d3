import { randomBytes } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { encrypt, generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import { csvRecordTexts } from '../../src/salesforce/bulk-query.ts';
import type { RecordText } from '../../src/salesforce/query.ts';
import { sealedBytes, sealedDigest, unwrapCipher } from '../../src/services/organisation-cipher.ts';
import { createRecordSealerThread } from '../../src/services/record-sealer-thread.ts';
import { idsOf } from '../../src/services/record-sealing.ts';

const secretKey = parseSecretKey(generateSecretKey());
const wrappedKey = encrypt(secretKey, randomBytes(32).toString('hex'));
const cipher = unwrapCipher(secretKey, wrappedKey);
const FIELD_TYPES = new Map([
  ['Id', 'id'],
  ['IsDeleted', 'boolean'],
  ['Name', 'string'],
  ['Amount__c', 'currency'],
  ['SystemModstamp', 'datetime'],
]);
const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
// Several result pages' worth: multi-byte characters, quotes and line breaks inside values, nulls.
const CSV = new TextEncoder().encode(
  `"Id","IsDeleted","Name","Amount__c","SystemModstamp"\n${Array.from({ length: 4000 }, (_, i) =>
    [
      quoted(`a0X${String(i).padStart(15, '0')}`),
      quoted(String(i % 7 === 0)),
      i % 11 === 0 ? '' : quoted(`Zoë "${i}" ${'€'.repeat(i % 5)}\nline two 😀`),
      i % 3 === 0 ? '' : quoted(String(i / 4)),
      quoted('2026-11-30T10:00:00.000Z'),
    ].join(','),
  ).join('\n')}\n`,
);

/** The bytes in network-like chunks of uneven sizes, some of them cutting characters. */
async function* chunksOf(bytes: Uint8Array) {
  const sizes = [1, 7, 1_000, 65_536, 3, 200_000];
  for (let at = 0, n = 0; at < bytes.length; n++) {
    await setImmediate();
    const size = sizes[n % sizes.length];
    yield bytes.slice(at, at + size);
    at += size;
  }
}

async function collect<T>(batches: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of batches) all.push(batch);
  return all;
}

describe('the record-sealing thread', () => {
  const thread = createRecordSealerThread({ secretKey });
  afterAll(() => thread.close());

  it('decodes and seals Bulk result bytes as the service would on its own thread', async () => {
    const inProcess: RecordText[] = (await collect(csvRecordTexts(FIELD_TYPES)(chunksOf(CSV), 0))).flat();
    // A batch is the reader's until it asks for the next: each is opened as it comes.
    const onThread: { Id: string; IsDeleted: boolean; json: string; digest: string }[] = [];
    let batches = 0;
    for await (const batch of thread.decoder('Invoice__c', FIELD_TYPES, wrappedKey)(chunksOf(CSV), 0)) {
      batches += 1;
      onThread.push(...idsOf(batch).map((Id, i) => ({ Id, IsDeleted: batch.deleted[i] === 1, json: cipher.open(sealedBytes(batch, i)).toString('utf8'), digest: sealedDigest(batch, i) })));
    }
    expect(batches).toBeGreaterThan(1);
    expect(onThread).toHaveLength(4000);
    expect(onThread.map(({ Id, IsDeleted, json }) => ({ Id, IsDeleted, json }))).toEqual(inProcess);
    // The same digests as records sealed on the service's thread: versions stored either way are stored once.
    const sealedHere = cipher.sealRecords('Invoice__c', inProcess.map((r) => r.json));
    expect(onThread.map(({ digest }) => digest)).toEqual(inProcess.map((_, i) => sealedDigest(sealedHere, i)));
  });

  it('leaves out the first records of a page read again after it was cut off, on either thread', async () => {
    const whole: RecordText[] = (await collect(csvRecordTexts(FIELD_TYPES)(chunksOf(CSV), 0))).flat();
    const rest: RecordText[] = (await collect(csvRecordTexts(FIELD_TYPES)(chunksOf(CSV), 1234))).flat();
    expect(rest).toEqual(whole.slice(1234));
    const onThread = (await collect(thread.decoder('Invoice__c', FIELD_TYPES, wrappedKey)(chunksOf(CSV), 1234))).flatMap(idsOf);
    expect(onThread).toEqual(rest.map((record) => record.Id));
  });

  it('fails the read on malformed results, then serves the next read', async () => {
    const broken = new TextEncoder().encode('"Id","Name"\n"a0X000000000000001","unterminated\n"a0X000000000000002"x,"y"\n');
    await expect(collect(thread.decoder('Invoice__c', FIELD_TYPES, wrappedKey)(chunksOf(broken), 0))).rejects.toThrow(/Malformed CSV/);
    expect((await collect(thread.decoder('Invoice__c', FIELD_TYPES, wrappedKey)(chunksOf(CSV), 0))).reduce((sum, batch) => sum + batch.length, 0)).toBe(4000);
  });

  it('lets a read stop part way (a cancelled backup) without leaving work behind', async () => {
    for await (const batch of thread.decoder('Invoice__c', FIELD_TYPES, wrappedKey)(chunksOf(CSV), 0)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect((await collect(thread.decoder('Invoice__c', FIELD_TYPES, wrappedKey)(chunksOf(CSV), 0))).reduce((sum, batch) => sum + batch.length, 0)).toBe(4000);
  });
});
