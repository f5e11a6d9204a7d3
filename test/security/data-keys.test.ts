import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import { createDataKeys, type DataKeys } from '../../src/services/data-keys.ts';
import { sealedBytes, sealedDigest, type SealedRecords } from '../../src/services/organisation-cipher.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const eachSealed = (sealed: SealedRecords) => Array.from({ length: sealed.bounds.length / 2 }, (_, i) => ({ digest: sealedDigest(sealed, i), data: sealedBytes(sealed, i) }));

/** Each organisation's data key, on each engine: made once even when processes race for it, and re-wrapped when SECRET_KEY rotates. */
describe.each(ENGINES)('per-organisation data keys on $name', (engine) => {
  const secret = parseSecretKey(generateSecretKey());
  let database: TestDatabase;
  let keys: DataKeys;
  let acmeId: string;
  let globexId: string;

  const organisation = async (name: string) => {
    const made = await database.organisations.create(randomUUID(), name);
    if ('refused' in made) throw new Error('The organisation could not be made');
    return made.id;
  };

  beforeEach(async () => {
    database = await engine.open();
    keys = createDataKeys(database.dataKeys, secret);
    acmeId = await organisation('Acme');
    globexId = await organisation('Globex');
  });
  afterEach(() => database.close());

  it('seals and opens records, refuses tampered ones, and gives each organisation its own key and digests', async () => {
    const acme = await keys.forOrganisation(acmeId);
    const globex = await keys.forOrganisation(globexId);
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
    expect((await createDataKeys(database.dataKeys, secret).forOrganisation(acmeId)).open(second.data).toString()).toBe(contents[1]);
  });

  it('seals files as a stream in the same layout, with a keyed digest of their plain bytes', async () => {
    const acme = await keys.forOrganisation(acmeId);
    const content = Buffer.alloc(300_000, 7);
    const { stream, digest } = acme.sealStream();
    const sealed = await buffer(Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]).pipe(stream));
    expect(digest()).toBe(Buffer.from(acme.digest(content), 'base64url').toString('hex'));
    expect(acme.open(sealed).equals(content)).toBe(true);
    const opened = await buffer(Readable.from([sealed.subarray(0, 5), sealed.subarray(5, 70_000), sealed.subarray(70_000)]).pipe(acme.openStream()));
    expect(opened.equals(content)).toBe(true);
  });

  it('re-wraps the data keys when SECRET_KEY is rotated, keeping what they sealed readable', async () => {
    await keys.forOrganisation(acmeId);
    const sealed = sealedBytes((await keys.forOrganisation(globexId)).sealRecords('Account', ['kept']), 0);
    const next = parseSecretKey(generateSecretKey());
    expect(await createDataKeys(database.dataKeys, next).rewrap(secret)).toBe(2);
    expect(await createDataKeys(database.dataKeys, next).rewrap(secret)).toBe(0);
    expect((await createDataKeys(database.dataKeys, next).forOrganisation(globexId)).open(sealed).toString()).toBe('kept');
    await expect(createDataKeys(database.dataKeys, secret).forOrganisation(globexId)).rejects.toThrow();
  });

  it('gives one key to processes that make an organisation\'s first at once', async () => {
    const connections = [database, await database.connectAgain(), await database.connectAgain()];
    const made: string[] = [];
    const wrapped = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        connections[i % connections.length].dataKeys.wrappedKeyOf(acmeId, () => {
          made.push(`key ${i}`);
          return `key ${i}`;
        }),
      ),
    );
    expect(new Set(wrapped).size).toBe(1);
    expect(made).toContain(wrapped[0]);
    expect(await database.dataKeys.wrappedKeyOf(acmeId, () => 'made later')).toBe(wrapped[0]);
    // Each process's keys open what another's sealed.
    const sealer = await createDataKeys(connections[1].dataKeys, secret).forOrganisation(globexId);
    const opener = await createDataKeys(connections[2].dataKeys, secret).forOrganisation(globexId);
    expect(opener.open(sealedBytes(sealer.sealRecords('Account', ['shared']), 0)).toString()).toBe('shared');
  });
});
