import { afterEach, describe, expect, it } from 'vitest';
import { decrypt, generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import { emulatorEnvironment, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup } from '../helpers/operations.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer } from '../helpers/server.ts';

describe('rotating SECRET_KEY', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('re-seals tokens and data keys with the new key when the old one is given as SECRET_KEY_PREVIOUS', async () => {
    const first = generateSecretKey();
    setup = await startConnectedInstance({ emulator: { records: 20 }, env: { SECRET_KEY: first } });
    const { admin, instanceId, emulator } = setup;
    expect((await backup(admin, instanceId, { objects: ['Account'] })).status).toBe('SUCCEEDED');
    await setup.server.stop();

    const second = generateSecretKey();
    setup.server = await startTestServer({ ...emulatorEnvironment(emulator), SECRET_KEY: second, SECRET_KEY_PREVIOUS: first }, setup.server.dataDir);
    const client = setup.server.client(admin.apiKey);
    expect((await backup(client, instanceId, { objects: ['Account'] })).status).toBe('SUCCEEDED');
    await setup.server.stop();

    // Re-sealed: the new key alone is enough from now on, and the old one opens nothing.
    setup.server = await startTestServer({ ...emulatorEnvironment(emulator), SECRET_KEY: second }, setup.server.dataDir);
    expect((await backup(setup.server.client(admin.apiKey), instanceId, { objects: ['Account'] })).status).toBe('SUCCEEDED');
    const sealed = await rowsOf(setup.server.app).all<{ sealed: string }>('select refresh_token_ciphertext as sealed from grants');
    expect(sealed.length).toBeGreaterThan(0);
    for (const { sealed: value } of sealed) {
      expect(() => decrypt(parseSecretKey(second), value)).not.toThrow();
      expect(() => decrypt(parseSecretKey(first), value)).toThrow();
    }
  });
});
