import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { organisations } from '../../db/schema.ts';
import { generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import { createDataKeys } from '../../src/services/data-keys.ts';
import { sealedBytes, sealedDigest, type SealedRecords } from '../../src/services/organisation-cipher.ts';

const eachSealed = (sealed: SealedRecords) => Array.from({ length: sealed.bounds.length / 2 }, (_, i) => ({ digest: sealedDigest(sealed, i), data: sealedBytes(sealed, i) }));

const dir = mkdtempSync(join(tmpdir(), 'sfbackup-keys-'));
const database = openDatabase(join(dir, 'backup.db'));
afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});
database.db.insert(organisations).values([{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }]).run();

describe('per-organisation data keys', () => {
  const secret = parseSecretKey(generateSecretKey());
  const keys = createDataKeys(database.db, secret);

  it('seals and opens records, refuses tampered ones, and gives each organisation its own key and digests', () => {
    const acme = keys.forOrganisation('acme');
    const globex = keys.forOrganisation('globex');
    const contents = ['{"Name":"Acme Corp"}', '{"Name":"Ünïcode ✓"}', '{"Name":"Acme Corp"}'];
    const page = eachSealed(acme.sealRecords('Account', contents));
    expect(page.map(({ data }) => acme.open(data).toString())).toEqual(contents);
    const [first, second, third] = page;
    expect(first.data.includes(Buffer.from('Acme Corp'))).toBe(false);
    // The digest names the contents of one object: equal contents, equal digests; sealed apart.
    expect(first.digest).toBe(acme.digest('Account\0{"Name":"Acme Corp"}'));
    expect(third.digest).toBe(first.digest);
    expect(third.data.equals(first.data)).toBe(false);
    expect(sealedDigest(acme.sealRecords('Contact', [contents[0]]), 0)).not.toBe(first.digest);
    expect(eachSealed(acme.sealRecords('Account', [contents[0]]))[0].data.equals(first.data)).toBe(false);
    expect(sealedDigest(globex.sealRecords('Account', [contents[0]]), 0)).not.toBe(first.digest);
    expect(() => globex.open(first.data)).toThrow();
    for (const at of [5, 20, first.data.length - 1]) {
      const tampered = Buffer.from(first.data);
      tampered[at] ^= 1;
      expect(() => acme.open(tampered)).toThrow();
    }
    // A record's sealed bytes with another record's counter block do not open either.
    const swapped = Buffer.concat([first.data.subarray(0, 17), second.data.subarray(17)]);
    expect(() => acme.open(swapped)).toThrow();
    // Unwrapped again by another process with the same SECRET_KEY: the same key.
    expect(createDataKeys(database.db, secret).forOrganisation('acme').open(second.data).toString()).toBe(contents[1]);
  });

  it('seals files as a stream in the same layout, with a keyed digest of their plain bytes', async () => {
    const acme = keys.forOrganisation('acme');
    const content = Buffer.alloc(300_000, 7);
    const { stream, digest } = acme.sealStream();
    const sealed = await buffer(Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]).pipe(stream));
    expect(digest()).toBe(Buffer.from(acme.digest(content), 'base64url').toString('hex'));
    expect(acme.open(sealed).equals(content)).toBe(true);
    const opened = await buffer(Readable.from([sealed.subarray(0, 5), sealed.subarray(5, 70_000), sealed.subarray(70_000)]).pipe(acme.openStream()));
    expect(opened.equals(content)).toBe(true);
  });

  it('re-wraps the data keys when SECRET_KEY is rotated, keeping what they sealed readable', () => {
    const sealed = sealedBytes(keys.forOrganisation('globex').sealRecords('Account', ['kept']), 0);
    const next = parseSecretKey(generateSecretKey());
    expect(createDataKeys(database.db, next).rewrap(secret)).toBe(2);
    expect(createDataKeys(database.db, next).forOrganisation('globex').open(sealed).toString()).toBe('kept');
    expect(() => createDataKeys(database.db, secret).forOrganisation('globex')).toThrow();
  });
});
