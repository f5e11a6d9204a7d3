import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow, SnapshotRow } from '../../db/schema.ts';
import { generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import type { RecordText } from '../../src/salesforce/query.ts';
import { createCompareService } from '../../src/services/compare.ts';
import { createDataKeys } from '../../src/services/data-keys.ts';
import { createSnapshotService, type SnapshotService } from '../../src/services/snapshots.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const secret = parseSecretKey(generateSecretKey());

const account = (id: string, version = 0, deleted = false): RecordText => ({
  Id: id,
  IsDeleted: deleted,
  json: JSON.stringify({ Id: id, Name: `${id} v${version}`, IsDeleted: deleted }),
});
const complete = [{ name: 'Account', highWaterMark: null, state: 'COMPLETE' as const, reason: null, hasBlobs: false }];

/** Comparing snapshots by content hash, and the notes of what each backup changed, on each engine. */
describe.each(ENGINES)('snapshot comparisons on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;
  let jobId: string;
  let snapshots: SnapshotService;
  let compare: ReturnType<typeof createCompareService>;

  async function snapshotOf(base: SnapshotRow | undefined, accounts: RecordText[], purged: string[] = []): Promise<SnapshotRow> {
    const snapshot = await snapshots.begin(instance.id, jobId, base);
    await snapshots.storeRecords(snapshot.id, 'Account', accounts);
    if (purged.length > 0) await snapshots.storePurged(snapshot.id, 'Account', purged);
    await snapshots.complete(snapshot, complete);
    return (await snapshots.find(snapshot.id))!;
  }
  const kinds = async (from: SnapshotRow, to: SnapshotRow) =>
    (await compare.changes(await compare.comparison(from, to), { first: 50 })).rows.map(({ recordId, kind }) => `${recordId} ${kind}`);

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
    jobId = (await database.queueJob(instance, new Date())).id;
    snapshots = createSnapshotService(database.snapshots, createDataKeys(database.dataKeys, secret));
    compare = createCompareService({
      changes: database.snapshotChanges,
      storage: snapshots,
      snapshots: {
        get: () => {
          throw new Error('not used');
        },
      },
    });
  });
  afterEach(() => database.close());

  it('tells created, updated and deleted records apart across incrementals, purges and full snapshots, with or without change notes', async () => {
    const full = await snapshotOf(undefined, [account('001A'), account('001B'), account('001C', 0, true), account('001D')]);
    const incremental = await snapshotOf(full, [account('001A', 1), account('001B', 0, true), account('001E')], ['001D']);
    const secondFull = await snapshotOf(undefined, [account('001A', 1), account('001C', 1), account('001E'), account('001F')]);

    const expected = {
      fullToIncremental: ['001A UPDATED', '001B DELETED', '001D DELETED', '001E CREATED'],
      incrementalToSecond: ['001C CREATED', '001F CREATED'],
      fullToSecond: ['001A UPDATED', '001B DELETED', '001C CREATED', '001D DELETED', '001E CREATED', '001F CREATED'],
    };
    // Before any note, every row of the chains is a candidate.
    expect(await kinds(full, incremental)).toEqual(expected.fullToIncremental);
    expect(await kinds(full, secondFull)).toEqual(expected.fullToSecond);

    expect(await compare.recordChanges(full)).toBeUndefined();
    expect((await compare.recordChanges(incremental))?.id).toBe(full.id);
    expect((await compare.recordChanges(secondFull))?.id).toBe(incremental.id);
    await compare.recordChanges(secondFull);

    expect(await kinds(full, incremental)).toEqual(expected.fullToIncremental);
    expect(await kinds(incremental, secondFull)).toEqual(expected.incrementalToSecond);
    expect(await kinds(full, secondFull)).toEqual(expected.fullToSecond);
    // Either way round: what was created one way was deleted the other.
    expect(await kinds(secondFull, full)).toEqual(['001A UPDATED', '001B CREATED', '001C DELETED', '001D CREATED', '001E DELETED', '001F DELETED']);

    const comparison = await compare.comparison(full, secondFull);
    expect(await compare.counts(comparison)).toEqual([{ object: 'Account', created: 3, updated: 1, deleted: 2 }]);
    const first = await compare.changes(comparison, { first: 2 });
    expect(first.rows.map((row) => row.recordId)).toEqual(['001A', '001B']);
    expect(first.rows[0].fields).toEqual([{ field: 'Name', old: '001A v0', new: '001A v1' }]);
    expect(first.rows[1].restoreFrom.id).toBe(full.id);
    const next = await compare.changes(comparison, { first: 2, after: first.cursorOf(first.rows[1]), kinds: ['CREATED'] });
    expect(next.rows.map((row) => row.recordId)).toEqual(['001C', '001E']);
    const changed: string[] = [];
    for await (const slice of compare.changedIds(comparison, 'Account', ['DELETED', 'UPDATED'])) changed.push(...slice);
    expect(changed).toEqual(['001A', '001B', '001D']);
  });

  it('finds the few changes among thousands of records a slice at a time', async () => {
    const ids = Array.from({ length: 6000 }, (_, i) => `001${String(i).padStart(12, '0')}`);
    const full = await snapshotOf(undefined, ids.map((id) => account(id)));
    const second = await snapshotOf(undefined, [...ids.slice(0, 5999).map((id, i) => account(id, i === 5500 ? 1 : 0)), account('001Z')]);
    await compare.recordChanges(full);
    await compare.recordChanges(second);
    expect(await kinds(full, second)).toEqual([`${ids[5500]} UPDATED`, `${ids[5999]} DELETED`, '001Z CREATED']);
    expect(await compare.counts(await compare.comparison(full, second))).toEqual([{ object: 'Account', created: 1, updated: 1, deleted: 1 }]);
  });
});
