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

  it('seals and opens contents, refuses tampered ones, and gives each organisation its own key and digests', () => {
    const acme = keys.forOrganisation('acme');
    const globex = keys.forOrganisation('globex');
    const sealed = acme.seal('{"Name":"Acme Corp"}');
    expect(sealed.includes(Buffer.from('Acme Corp'))).toBe(false);
    expect(acme.open(sealed).toString()).toBe('{"Name":"Acme Corp"}');
    expect(acme.seal('{"Name":"Acme Corp"}').equals(sealed)).toBe(false);
    expect(() => globex.open(sealed)).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(() => acme.open(tampered)).toThrow();
    expect(acme.digest('same')).toBe(acme.digest('same'));
    expect(acme.digest('same')).not.toBe(globex.digest('same'));
    // Unwrapped again by another process with the same SECRET_KEY: the same key.
    expect(createDataKeys(database.db, secret).forOrganisation('acme').open(sealed).toString()).toBe('{"Name":"Acme Corp"}');
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
    const sealed = keys.forOrganisation('globex').seal('kept');
    const next = parseSecretKey(generateSecretKey());
    expect(createDataKeys(database.db, next).rewrap(secret)).toBe(2);
    expect(createDataKeys(database.db, next).forOrganisation('globex').open(sealed).toString()).toBe('kept');
    expect(() => createDataKeys(database.db, secret).forOrganisation('globex')).toThrow();
  });
});
