import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** Logins under way, on each engine: a state is used once, whatever the number of processes completing it at once. */
describe.each(ENGINES)('OAuth states on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  async function state(expiresAt: Date) {
    const instance = await database.addInstance(5);
    const stateHash = randomUUID();
    await database.oauthStates.add({ stateHash, instanceId: instance.id, organisationId: instance.organisationId, codeVerifierCiphertext: 'sealed verifier', expiresAt });
    return { stateHash, instance };
  }

  it('keeps a state, and the grant a preview exchanged for a code', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { stateHash, instance } = await state(expiresAt);
    expect(await database.oauthStates.byHash(stateHash)).toMatchObject({ instanceId: instance.id, organisationId: instance.organisationId, expiresAt, consumedAt: null, pendingGrantCiphertext: null });
    await database.oauthStates.keepPreview(stateHash, 'sealed grant', 'code hash');
    expect(await database.oauthStates.byHash(stateHash)).toMatchObject({ pendingGrantCiphertext: 'sealed grant', codeHash: 'code hash' });
    expect(await database.oauthStates.byHash(randomUUID())).toBeUndefined();
  });

  it('consumes a state for one of ten callers on two connections at once', async () => {
    const { stateHash } = await state(new Date(Date.now() + 60_000));
    const other = await database.connectAgain();
    const now = new Date();
    const consumed = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? database : other).oauthStates.consume(stateHash, now)));
    expect(consumed.filter(Boolean)).toHaveLength(1);
    expect(await database.oauthStates.byHash(stateHash)).toMatchObject({ consumedAt: now });
  });

  it('never consumes an expired state', async () => {
    const { stateHash } = await state(new Date(Date.now() - 1));
    expect(await database.oauthStates.consume(stateHash, new Date())).toBe(false);
    expect(await database.oauthStates.byHash(stateHash)).toMatchObject({ consumedAt: null });
  });
});
