import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyStore } from '../../db/api-key-store.ts';
import { createEventBus } from '../../src/events.ts';
import { createAnnouncements } from '../../src/services/announcements.ts';
import { createApiKeyService } from '../../src/services/api-keys.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const operator = { kind: 'operator' } as const;

/** The key service over each engine's store: a known key is answered from memory, and a revoked one is never remembered. */
describe.each(ENGINES)('API keys over $name', (engine) => {
  let database: TestDatabase;
  let organisationId: string;

  beforeEach(async () => {
    database = await engine.open();
    organisationId = randomUUID();
    await database.organisations.create(organisationId, randomUUID());
  });
  afterEach(() => database.close());

  /** The engine's store, counting lookups by secret and holding each lookup's answer until `gate` opens. */
  function watchedStore(gate: () => Promise<void> = () => Promise.resolve()) {
    const lookups = { count: 0 };
    const store: ApiKeyStore = {
      ...database.apiKeys,
      async bySecretHash(hash) {
        lookups.count += 1;
        const key = await database.apiKeys.bySecretHash(hash);
        await gate();
        return key;
      },
    };
    return { store, lookups };
  }

  it('looks a key up once, then answers it from memory until it is revoked', async () => {
    const { store, lookups } = watchedStore();
    const keys = createApiKeyService(store, database.settings, createAnnouncements(createEventBus()));
    await keys.ensureOperatorKey('o'.repeat(32));
    const { key, secret } = await keys.create(operator, organisationId, 'VIEWER', 'reader');

    expect(await keys.authenticate(secret)).toMatchObject({ kind: 'member', keyId: key.id, role: 'VIEWER' });
    expect(await keys.authenticate(secret)).toMatchObject({ kind: 'member', keyId: key.id });
    expect(lookups.count).toBe(1);
    expect(await keys.authenticate('o'.repeat(32))).toEqual(operator);
    expect(lookups.count).toBe(1);

    await keys.revoke(operator, key.id);
    expect(await keys.authenticate(secret)).toBeNull();
    expect(lookups.count).toBe(2);
  });

  it('does not remember a key read just before it was revoked', async () => {
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    let holding = true;
    const { store } = watchedStore(() => (holding ? held : Promise.resolve()));
    const keys = createApiKeyService(store, database.settings, createAnnouncements(createEventBus()));
    const { key, secret } = await keys.create(operator, organisationId, 'ADMIN', 'ops');

    const inFlight = keys.authenticate(secret);
    // The lookup has read the live row and waits; the key is revoked meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await keys.revoke(operator, key.id);
    holding = false;
    open();
    await inFlight;

    expect(await keys.authenticate(secret)).toBeNull();
  });

  it('keeps the operator key of the first process to start, and shows it to that process alone', async () => {
    const other = await database.connectAgain();
    const services = [database, other].map((connection) => createApiKeyService(connection.apiKeys, connection.settings, createAnnouncements(createEventBus())));
    const generated = await Promise.all(services.map((keys) => keys.ensureOperatorKey(undefined)));
    const shown = generated.filter((secret) => secret !== undefined);
    expect(shown).toHaveLength(1);
    for (const keys of services) expect(await keys.authenticate(shown[0])).toEqual(operator);
    expect(await services[0].ensureOperatorKey(undefined)).toBeUndefined();
  });

  it('pages an organisation’s keys oldest first through its cursor', async () => {
    const keys = createApiKeyService(database.apiKeys, database.settings, createAnnouncements(createEventBus()));
    const made = [];
    for (let i = 0; i < 5; i += 1) made.push((await keys.create(operator, organisationId, 'VIEWER', `key ${i}`)).key);
    // Keys made in the same millisecond come in the order of their ids.
    const expected = made.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map((key) => key.id);
    const first = await keys.page(operator, organisationId, { first: 3 });
    expect(first.hasNextPage).toBe(true);
    const rest = await keys.page(operator, organisationId, { first: 3, after: first.cursorOf(first.rows[2]) });
    expect(rest.hasNextPage).toBe(false);
    expect([...first.rows, ...rest.rows].map((key) => key.id)).toEqual(expected);
    await expect(keys.create(operator, randomUUID(), 'VIEWER', 'nowhere')).rejects.toThrow(/Organisation/);
  });
});
