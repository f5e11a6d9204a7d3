import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRow } from '../../db/schema.ts';
import { installationId } from '../../src/services/installation.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** API keys and settings on each engine: lookups, the (createdAt, id) cursor, revocation, and one value per setting when processes race. */
describe.each(ENGINES)('API keys and settings on $name', (engine) => {
  let database: TestDatabase;
  let organisationId: string;

  beforeEach(async () => {
    database = await engine.open();
    organisationId = randomUUID();
    await database.organisations.create(organisationId, randomUUID());
  });
  afterEach(() => database.close());

  const keyOf = (organisation: string, name: string, createdAt?: Date) => ({
    id: randomUUID(),
    organisationId: organisation,
    name,
    role: 'VIEWER' as const,
    secretHash: randomUUID(),
    createdAt,
  });

  it('stores a key and finds it by the hash of its secret and by id', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const key = await database.apiKeys.create({ ...keyOf(organisationId, 'ops'), role: 'ADMIN', expiresAt });
    expect(key).toMatchObject({ organisationId, name: 'ops', role: 'ADMIN', createdAt: expect.any(Date), expiresAt, lastUsedAt: null, revokedAt: null });
    expect(await database.apiKeys.bySecretHash(key.secretHash)).toEqual(key);
    expect(await database.apiKeys.byId(key.id)).toEqual(key);
    expect(await database.apiKeys.bySecretHash(randomUUID())).toBeUndefined();
    expect(await database.apiKeys.byId(randomUUID())).toBeUndefined();
  });

  it('tells whether the organisation exists', async () => {
    expect(await database.apiKeys.organisationExists(organisationId)).toBe(true);
    expect(await database.apiKeys.organisationExists(randomUUID())).toBe(false);
  });

  it('pages one organisation’s keys oldest first, keys made in the same millisecond by id', async () => {
    const other = randomUUID();
    await database.organisations.create(other, randomUUID());
    const same = new Date(Date.UTC(2026, 0, 1));
    const made: ApiKeyRow[] = [];
    for (let i = 0; i < 5; i += 1) made.push(await database.apiKeys.create(keyOf(organisationId, `key ${i}`, i < 3 ? same : new Date(same.getTime() + i))));
    await database.apiKeys.create(keyOf(other, 'elsewhere', same));
    const expected = [...made].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map((key) => key.id);

    const seen: string[] = [];
    let after: readonly [number, string] | undefined;
    for (;;) {
      const page = await database.apiKeys.page(organisationId, after, 2);
      seen.push(...page.map((key) => key.id));
      if (page.length < 2) break;
      const last = page.at(-1)!;
      after = [last.createdAt.getTime(), last.id];
    }
    expect(seen).toEqual(expected);
  });

  it('revokes a key and notes its last use', async () => {
    const key = await database.apiKeys.create(keyOf(organisationId, 'old'));
    const usedAt = new Date(Date.now() - 5_000);
    await database.apiKeys.noteUse(key.id, usedAt);
    const revokedAt = new Date();
    expect(await database.apiKeys.revoke(key.id, revokedAt)).toMatchObject({ id: key.id, lastUsedAt: usedAt, revokedAt });
    expect(await database.apiKeys.bySecretHash(key.secretHash)).toMatchObject({ revokedAt });
    expect(await database.apiKeys.revoke(randomUUID(), revokedAt)).toBeUndefined();
  });

  it('keeps a setting, replaces it on put, and keeps the first on putIfAbsent', async () => {
    expect(await database.settings.get('colour')).toBeUndefined();
    await database.settings.put('colour', 'red');
    await database.settings.put('colour', 'blue');
    expect(await database.settings.get('colour')).toBe('blue');
    expect(await database.settings.putIfAbsent('colour', 'green')).toBe('blue');
    expect(await database.settings.putIfAbsent('size', 'large')).toBe('large');
    expect(await database.settings.get('size')).toBe('large');
  });

  it('gives every process starting at once the same installation id', async () => {
    const connections = [database, await database.connectAgain(), await database.connectAgain()];
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => installationId(connections[i % connections.length].settings)));
    expect(new Set(ids).size).toBe(1);
    expect(await installationId(database.settings)).toBe(ids[0]);
  });

  it('keeps one of several values set at once on several connections', async () => {
    const connections = [database, await database.connectAgain()];
    const kept = await Promise.all(Array.from({ length: 10 }, (_, i) => connections[i % 2].settings.putIfAbsent('operator_key_hash', `hash ${i}`)));
    expect(new Set(kept).size).toBe(1);
    expect(await database.settings.get('operator_key_hash')).toBe(kept[0]);
  });
});
