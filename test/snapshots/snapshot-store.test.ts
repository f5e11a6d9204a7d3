import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as pgSchema from '../../db/pg/schema.ts';
import { postgresSnapshotStore } from '../../db/pg/snapshot-store.ts';
import type { InstanceRow, SnapshotRow } from '../../db/schema.ts';
import type { EngineConnection } from '../helpers/engines.ts';
import { generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import type { RecordText } from '../../src/salesforce/query.ts';
import { createDataKeys } from '../../src/services/data-keys.ts';
import { createSnapshotService, SEARCH_OPENED_PER_PAGE, type SnapshotService, type StoredRecord } from '../../src/services/snapshots.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const secret = parseSecretKey(generateSecretKey());
const serviceOn = (connection: EngineConnection) => createSnapshotService(connection.snapshots, createDataKeys(connection.dataKeys, secret));

/** An Account as a backup reads it: `version` changes its contents. */
const account = (id: string, version = 0, deleted = false): RecordText => ({
  Id: id,
  IsDeleted: deleted,
  json: JSON.stringify({ Id: id, Name: `${id} v${version}`, IsDeleted: deleted }),
});
const completeObjects = (...names: string[]) => names.map((name) => ({ name, highWaterMark: null, state: 'COMPLETE' as const, reason: null, hasBlobs: false }));
const namesOf = (records: StoredRecord[]) => records.map((record) => record.data.Name);

/** What backups write and what restores and queries read of snapshots, on each engine. */
describe.each(ENGINES)('snapshot storage on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;
  let jobId: string;
  let snapshots: SnapshotService;

  /** A snapshot of the instance with the given Accounts, completed. */
  async function snapshotOf(base: SnapshotRow | undefined, accounts: RecordText[], purged: string[] = []): Promise<SnapshotRow> {
    const snapshot = await snapshots.begin(instance.id, jobId, base);
    await snapshots.storeRecords(snapshot.id, 'Account', accounts);
    if (purged.length > 0) await snapshots.storePurged(snapshot.id, 'Account', purged);
    await snapshots.complete(snapshot, completeObjects('Account'));
    return (await snapshots.find(snapshot.id))!;
  }

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
    jobId = (await database.queueJob(instance, new Date())).id;
    snapshots = serviceOn(database);
  });
  afterEach(() => database.close());

  it('begins snapshots in sequence per instance, readable only once complete, with their counts', async () => {
    const first = await snapshots.begin(instance.id, jobId, undefined);
    expect(first).toMatchObject({ instanceId: instance.id, jobId, baseSnapshotId: null, sequence: 1, completedAt: null });
    expect(await snapshots.storeRecords(first.id, 'Account', [account('001A'), account('001B'), account('001C', 0, true)])).toBe(3);
    expect(await snapshots.find(first.id)).toBeUndefined();
    expect(await snapshots.latestComplete(instance.id)).toBeUndefined();

    await snapshots.complete(first, completeObjects('Account', 'Contact'));
    const completed = (await snapshots.find(first.id))!;
    expect(completed.completedAt).toBeInstanceOf(Date);
    expect(await snapshots.latestComplete(instance.id)).toEqual(completed);
    expect(await snapshots.objectsOf([first.id])).toMatchObject([
      { name: 'Account', recordCount: 2, deletedCount: 1, state: 'COMPLETE', blobCount: 0 },
      { name: 'Contact', recordCount: 0, deletedCount: 0 },
    ]);
    const second = await snapshots.begin(instance.id, jobId, completed);
    expect(second).toMatchObject({ baseSnapshotId: first.id, sequence: 2 });
    expect(await snapshots.latestComplete(instance.id)).toEqual(completed);
    expect(await snapshots.requireObjects(completed, [])).toEqual(['Account', 'Contact']);
    await expect(snapshots.requireObjects(completed, ['Lead'])).rejects.toThrow('Objects not in the snapshot: Lead');
  });

  it('stores each version once per organisation, across snapshots and instances, and again for another organisation', async () => {
    const accounts = [account('001A'), account('001B')];
    const first = await snapshots.begin(instance.id, jobId, undefined);
    expect(await snapshots.storeRecords(first.id, 'Account', accounts)).toBe(2);
    const second = await snapshots.begin(instance.id, jobId, undefined);
    expect(await snapshots.storeRecords(second.id, 'Account', [...accounts, account('001C')])).toBe(1);
    expect(await snapshots.storeRecords(second.id, 'Account', [account('001A', 1)])).toBe(1);

    const sibling = await database.addInstance(5, instance.organisationId);
    const siblingSnapshot = await snapshots.begin(sibling.id, jobId, undefined);
    expect(siblingSnapshot.sequence).toBe(1);
    expect(await snapshots.storeRecords(siblingSnapshot.id, 'Account', accounts)).toBe(0);

    const stranger = await database.addInstance(5);
    const strangerSnapshot = await snapshots.begin(stranger.id, jobId, undefined);
    expect(await snapshots.storeRecords(strangerSnapshot.id, 'Account', accounts)).toBe(2);

    // One row per record in a snapshot: the newer write of 001A replaced the older.
    await snapshots.complete(second, completeObjects('Account'));
    expect(namesOf(await snapshots.state(second, 'Account'))).toEqual(['001A v1', '001B v0', '001C v0']);
  });

  it('gives the newest version of each record along a chain of incrementals, deleted ones included and purged ones left out', async () => {
    const full = await snapshotOf(undefined, [account('001A'), account('001B'), account('001C'), account('001D', 0, true), account('001E')]);
    const first = await snapshotOf(full, [account('001A', 1), account('001B', 1, true)], ['001C']);
    const second = await snapshotOf(first, [account('001A', 2), account('001C', 3)], ['001E']);

    expect(await snapshots.chain(second)).toEqual([second.id, first.id, full.id]);
    expect(await snapshots.chainLength(first)).toBe(2);
    const state = await snapshots.state(first, 'Account');
    expect(state.map(({ recordId, deleted }) => [recordId, deleted])).toEqual([['001A', false], ['001B', true], ['001D', true], ['001E', false]]);
    expect(namesOf(state)).toEqual(['001A v1', '001B v1', '001D v0', '001E v0']);
    // A purged record that comes back is held again; the older snapshots keep what they held.
    expect(namesOf(await snapshots.state(second, 'Account'))).toEqual(['001A v2', '001B v1', '001C v3', '001D v0']);
    expect(namesOf(await snapshots.state(full, 'Account'))).toEqual(['001A v0', '001B v0', '001C v0', '001D v0', '001E v0']);

    // Counts follow from the base's and the snapshot's own rows.
    expect(await snapshots.objectsOf([first.id, second.id])).toMatchObject([
      { snapshotId: expect.any(String), name: 'Account' },
      { snapshotId: expect.any(String), name: 'Account' },
    ]);
    const counts = new Map((await snapshots.objectsOf([full.id, first.id, second.id])).map((row) => [row.snapshotId, [row.recordCount, row.deletedCount]]));
    expect(counts).toEqual(new Map([[full.id, [4, 1]], [first.id, [2, 2]], [second.id, [2, 2]]]));

    const held = snapshots.heldRecords(first, 'Account');
    expect(await held.all()).toEqual(new Map([['001A', false], ['001B', true], ['001D', true], ['001E', false]]));
    expect(await held.among(['001A', '001C', '001Z'])).toEqual(new Set(['001A']));
    expect(await held.deleted()).toEqual(['001B', '001D']);
    expect(await snapshots.liveRecordIds(first, 'Account')).toEqual(['001A', '001E']);
    expect(await snapshots.liveRecordIds(second, 'Account', ['001B', '001C', '001E'])).toEqual(['001C']);

    // Exports page through every id the chain names, whatever became of the record, in id order.
    const pages: string[][] = [];
    for await (const page of snapshots.recordIdPages(await snapshots.chain(second), 'Account', 2)) pages.push(page);
    expect(pages).toEqual([['001A', '001B'], ['001C', '001D'], ['001E']]);

    const read = await snapshots.recordReader(second, 'Account');
    expect((await read(['001E', '001B', '001A'])).map(({ recordId, deleted, data }) => [recordId, deleted, data.Name])).toEqual([
      ['001A', false, '001A v2'],
      ['001B', true, '001B v1'],
    ]);
  });

  it('counts along the whole chain an object its base did not hold', async () => {
    const full = await snapshotOf(undefined, [account('001A')]);
    const incremental = await snapshots.begin(instance.id, jobId, full);
    await snapshots.storeRecords(incremental.id, 'Contact', [account('003A'), account('003B', 0, true)]);
    await snapshots.storeRecords(incremental.id, 'Account', [account('001B')]);
    await snapshots.complete(incremental, completeObjects('Account', 'Contact'));
    expect((await snapshots.objectsOf([incremental.id])).map((row) => [row.name, row.recordCount, row.deletedCount])).toEqual([
      ['Account', 2, 0],
      ['Contact', 1, 1],
    ]);
  });

  it('pages and searches the records of a snapshot, opening them to match, at most SEARCH_OPENED_PER_PAGE a request', async () => {
    const id = (i: number) => `001${String(i).padStart(5, '0')}`;
    const count = SEARCH_OPENED_PER_PAGE + 1200;
    const full = await snapshotOf(undefined, Array.from({ length: count }, (_, i) => account(id(i))));
    const page = await snapshots.state(full, 'Account', { limit: 3, after: id(9) });
    expect(page.map((record) => record.recordId)).toEqual([id(10), id(11), id(12)]);
    // Beyond one slice of opened versions (500), in id order.
    const { found } = await snapshots.search(full, 'Account', '1 V0', { limit: 60, after: id(1) });
    expect(found.map((record) => record.recordId)).toEqual(Array.from({ length: 60 }, (_, i) => id(i * 10 + 11)));

    // A record past what one request opens: the first stops at the last record it opened, the next finds it.
    const far = id(count - 1);
    const stopped = await snapshots.search(full, 'Account', `${far} V0`, { limit: 50 });
    expect(stopped).toEqual({ found: [], stoppedAfter: id(SEARCH_OPENED_PER_PAGE - 1) });
    const next = await snapshots.search(full, 'Account', `${far} V0`, { limit: 50, after: stopped.stoppedAfter });
    expect(next.found.map((record) => record.recordId)).toEqual([far]);
    expect(next.stoppedAfter).toBeUndefined();

    expect(await snapshots.record(full, 'Account', far)).toEqual({ object: 'Account', recordId: far, deleted: false, data: { Id: far, Name: `${far} v0`, IsDeleted: false } });
    expect(await snapshots.record(full, 'Account', '001nosuchid')).toBeNull();
  });

  it('fills each page along a chain whatever its purged records, from the start or after an id', async () => {
    const id = (i: number) => `001${String(i).padStart(4, '0')}`;
    const full = await snapshotOf(undefined, Array.from({ length: 30 }, (_, i) => account(id(i))));
    const purged = [...Array.from({ length: 10 }, (_, i) => id(i)), id(20)];
    const incremental = await snapshotOf(full, [account(id(15), 1), account(id(16), 1, true)], purged);
    const chain = await snapshots.chain(incremental);
    const ids = (rows: { recordId: string }[]) => rows.map((row) => row.recordId);
    const live = Array.from({ length: 20 }, (_, i) => id(i + 10)).filter((recordId) => recordId !== id(20));

    expect(ids(await database.snapshots.newestVersions(chain, 'Account', { limit: 10 }))).toEqual(live.slice(0, 10));
    expect(ids(await database.snapshots.newestVersions(chain, 'Account', { after: id(3), limit: 10 }))).toEqual(live.slice(0, 10));
    expect(ids(await database.snapshots.newestVersions(chain, 'Account', { after: id(19), limit: 10 }))).toEqual(live.slice(10));
    expect(ids(await database.snapshots.newestVersions(chain, 'Account', { after: live[4], limit: 10 }))).toEqual(live.slice(5, 15));
    expect((await snapshots.state(incremental, 'Account', { limit: 3, after: live[4] })).map(({ recordId, deleted, data }) => [recordId, deleted, data.Name])).toEqual([
      [id(15), false, `${id(15)} v1`],
      [id(16), true, `${id(16)} v1`],
      [id(17), false, `${id(17)} v0`],
    ]);
    expect(await database.snapshots.recordIdPage(chain, 'Account', id(25), 10)).toEqual([26, 27, 28, 29].map(id));
  });

  if (engine.name === 'PostgreSQL') {
    it('reads a page from the middle of a large object without reading the rows before it', async () => {
      const id = (i: number) => `001${String(i).padStart(5, '0')}`;
      const full = await snapshots.begin(instance.id, jobId, undefined);
      for (let start = 0; start < 2000; start += 500) await snapshots.storeRecords(full.id, 'Account', Array.from({ length: 500 }, (_, i) => account(id(start + i))));
      await snapshots.complete(full, completeObjects('Account'));
      const incremental = await snapshotOf(await snapshots.find(full.id), Array.from({ length: 100 }, (_, i) => account(id(i * 20), 1)));
      const chain = await snapshots.chain(incremental);

      // One connection, so that its reads are the ones counted once it reports them.
      const client = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${database.schema}`, max: 1 });
      try {
        const store = postgresSnapshotStore(drizzle(client, { schema: pgSchema }));
        const partition = `snapshot_records_${instance.organisationId.replaceAll('-', '')}`;
        const rowsRead = async () => {
          await client.query('select pg_stat_force_next_flush()');
          const { rows } = await client.query(`select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as read from pg_stat_user_tables where relid = $1::regclass`, [partition]);
          return Number(rows[0].read);
        };
        await store.newestVersions(chain, 'Account', { after: id(999), limit: 10 }); // the snapshots' organisation, looked up once
        const before = await rowsRead();
        const page = await store.newestVersions(chain, 'Account', { after: id(999), limit: 10 });
        const read = (await rowsRead()) - before;
        expect(page.map((row) => row.recordId)).toEqual(Array.from({ length: 10 }, (_, i) => id(1000 + i)));
        // Ten of each snapshot's rows after the id, not the 2,100 of the object.
        expect(read).toBeLessThanOrEqual(20);
        expect(read).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    });
  }

  it('reads 5,000 given records at once and tells which ids no object of the snapshot holds', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `001${String(i).padStart(12, '0')}`);
    const snapshot = await snapshots.begin(instance.id, jobId, undefined);
    for (let start = 0; start < ids.length; start += 1000) await snapshots.storeRecords(snapshot.id, 'Account', ids.slice(start, start + 1000).map((id) => account(id)));
    await snapshots.storeRecords(snapshot.id, 'Contact', [account('003A')]);
    await snapshots.complete(snapshot, completeObjects('Account', 'Contact'));
    const full = (await snapshots.find(snapshot.id))!;

    const pages: string[][] = [];
    for await (const page of snapshots.recordIdPages([full.id], 'Account', 2000)) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([2000, 2000, 1000]);
    expect(pages.flat()).toEqual(ids);

    const read = await (await snapshots.recordReader(full, 'Account'))([...ids, '001UNKNOWN']);
    expect(read).toHaveLength(5000);
    expect(read[4999]).toMatchObject({ recordId: ids[4999], deleted: false, data: { Name: `${ids[4999]} v0` } });
    expect(await snapshots.liveRecordIds(full, 'Account', ids)).toHaveLength(5000);
    expect(await snapshots.heldRecords(full, 'Account').among([...ids, '001UNKNOWN'])).toHaveProperty('size', 5000);
    expect(await snapshots.missingRecordIds(full, ['Account'], ids)).toEqual([]);
    expect(await snapshots.missingRecordIds(full, ['Account'], [...ids, '003A', '001UNKNOWN'])).toEqual(['003A', '001UNKNOWN']);
    expect(await snapshots.missingRecordIds(full, ['Account', 'Contact'], [ids[7], '003A', '001UNKNOWN'])).toEqual(['001UNKNOWN']);
  });

  it('drops a skipped object, a failed job\'s unfinished snapshot, and unfinished ones no running job writes', async () => {
    const kept = await snapshotOf(undefined, [account('001A')]);
    const skipped = await snapshots.begin(instance.id, jobId, undefined);
    await snapshots.storeRecords(skipped.id, 'Account', [account('001A'), account('001B')]);
    await snapshots.storeRecords(skipped.id, 'Contact', [account('003A')]);
    await snapshots.discardObject(skipped.id, 'Contact');
    await snapshots.complete(skipped, completeObjects('Account'));
    expect((await snapshots.objectsOf([skipped.id])).map((row) => [row.name, row.recordCount])).toEqual([['Account', 2]]);

    const failed = await snapshots.begin(instance.id, jobId, undefined);
    await snapshots.discardUnfinishedOf(jobId);
    expect(await database.snapshotIds()).not.toContain(failed.id);

    const running = await database.claims.claimNext({ owner: 'test', expiresAt: new Date(Date.now() + 60_000) });
    const other = await database.addInstance(5);
    const otherJob = await database.queueJob(other, new Date());
    const unfinished = await snapshots.begin(other.id, otherJob.id, undefined);
    const beingWritten = await snapshots.begin(instance.id, running!.id, undefined);
    expect(await snapshots.discardIncomplete()).toBe(1);
    const left = await database.snapshotIds();
    expect(left).toEqual(expect.arrayContaining([kept.id, skipped.id, beingWritten.id]));
    expect(left).not.toContain(unfinished.id);
  });

  it('keeps sequences apart and versions stored once when two processes write at once', async () => {
    const other = await database.connectAgain();
    const otherSnapshots = serviceOn(other);
    const begun = await Promise.all([snapshots.begin(instance.id, jobId, undefined), otherSnapshots.begin(instance.id, jobId, undefined)]);
    expect(begun.map((snapshot) => snapshot.sequence).sort()).toEqual([1, 2]);

    const accounts = Array.from({ length: 300 }, (_, i) => account(`001${i}`));
    const added = await Promise.all([snapshots.storeRecords(begun[0].id, 'Account', accounts), otherSnapshots.storeRecords(begun[1].id, 'Account', accounts)]);
    expect(added[0] + added[1]).toBe(300);
    for (const snapshot of begun) await snapshots.complete(snapshot, completeObjects('Account'));
    expect((await snapshots.objectsOf(begun.map((snapshot) => snapshot.id))).map((row) => row.recordCount)).toEqual([300, 300]);
  });

  it('stores the same versions from two instances of one org at once, read in opposite orders, failing neither', async () => {
    const sibling = await database.addInstance(5, instance.organisationId);
    const other = await database.connectAgain();
    const otherSnapshots = serviceOn(other);
    const [mine, theirs] = await Promise.all([snapshots.begin(instance.id, jobId, undefined), otherSnapshots.begin(sibling.id, jobId, undefined)]);
    const accounts = Array.from({ length: 2000 }, (_, i) => account(`001${String(i).padStart(5, '0')}`));
    for (let round = 0; round < 3; round++) {
      const batch = accounts.map((record) => ({ ...record, json: record.json.replace('v0', `v${round + 1}`) }));
      const added = await Promise.all([snapshots.storeRecords(mine.id, 'Account', batch), otherSnapshots.storeRecords(theirs.id, 'Account', [...batch].reverse())]);
      expect(added[0] + added[1]).toBe(2000);
    }
  });
});
