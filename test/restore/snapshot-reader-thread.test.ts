import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReadOnly } from '../../db/client.ts';
import { loadSecretKey } from '../../src/secret-key.ts';
import { sqliteDataKeyStore } from '../../db/sqlite/data-key-store.ts';
import { sqliteSnapshotStore } from '../../db/sqlite/snapshot-store.ts';
import { createDataKeys } from '../../src/services/data-keys.ts';
import { createSnapshotReaderThread } from '../../src/services/snapshot-reader-thread.ts';
import { createSnapshotService } from '../../src/services/snapshots.ts';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup, restore } from '../helpers/operations.ts';
import { rawId } from '../unattended/helpers.ts';

const INVOICES = 5200;

/** A large restore reads its snapshot on a thread of its own; what it reads there must be what the service reads itself. */
describe('the snapshot-reading thread', () => {
  let setup: ConnectedSetup;
  let snapshotId: string;
  let invoices: string[];
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 20 } });
    const org = setup.emulator.data.PRODUCTION;
    for (let i = 0; i < INVOICES; i++) org.insert('Invoice__c', { Amount__c: i, Notes__c: `invoice ${i}` });
    invoices = org.ids('Invoice__c');
    snapshotId = (await backup(setup.admin, setup.instanceId, { objects: ['Invoice__c'] })).snapshot.id;
  });
  afterAll(() => setup.close());

  it('puts back every record of a restore large enough to start it', async () => {
    const org = setup.emulator.data.PRODUCTION;
    const before = new Map(invoices.map((id) => [id, org.get(id)!.Notes__c]));
    for (const id of invoices) org.update(id, { Notes__c: 'changed since' });

    const job = await restore(setup.admin, snapshotId, { objects: ['Invoice__c'] });
    expect(job.status, JSON.stringify(job.failures)).toBe('SUCCEEDED');
    expect(job.restoreSummary).toMatchObject({ updated: invoices.length, failed: 0 });
    expect(invoices.filter((id) => org.get(id)!.Notes__c !== before.get(id))).toEqual([]);
  });

  it('reads exactly what the service reads on its own thread, and starts only for a large restore', async () => {
    const databaseFile = join(setup.server.dataDir, 'backup.db');
    const secretKey = loadSecretKey(undefined, setup.server.dataDir);
    const handle = openReadOnly(databaseFile);
    const storage = createSnapshotService(sqliteSnapshotStore(handle), createDataKeys(sqliteDataKeyStore(handle.db), secretKey));
    const snapshot = (await storage.find(rawId(snapshotId)))!;
    const thread = createSnapshotReaderThread({ secretKey }, storage.openedReaderStatement);
    try {
      expect(thread.forSnapshot(snapshot, 100)).toBeUndefined();
      const reader = thread.forSnapshot(snapshot, INVOICES)!;
      // An id the snapshot does not hold reads as nothing, as on the service's thread.
      const ids = [...invoices.slice(0, 300), 'a0X000000000000AAA'];
      const onThread = await reader.read('Invoice__c', ids);
      expect(onThread).toHaveLength(300);
      expect(onThread).toEqual(await (await storage.recordReader(snapshot, 'Invoice__c'))(ids));
      // Once running, it serves restores of a few batches too, though not the smallest.
      expect(thread.forSnapshot(snapshot, 500)).toBeDefined();
      expect(thread.forSnapshot(snapshot, 100)).toBeUndefined();
    } finally {
      await thread.close();
      handle.close();
    }
  });
});
