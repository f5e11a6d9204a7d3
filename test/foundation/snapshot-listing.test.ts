import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** The snapshot lists the API shows, on each engine: complete snapshots only, the first of each instance, newest first, and their objects. */
describe.each(ENGINES)('snapshot listing on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  /** Snapshots of sequence 1..count, complete but for `unfinished`; ids by sequence. */
  async function snapshotsOf(instance: InstanceRow, count: number, unfinished?: number): Promise<Map<number, string>> {
    const job = await database.queueJob(instance, new Date());
    const ids = new Map<number, string>();
    for (let sequence = 1; sequence <= count; sequence++) ids.set(sequence, await database.addSnapshot(job.id, instance.id, sequence !== unfinished, sequence));
    return ids;
  }

  it("reads each instance's newest complete snapshots, then the next ones before a sequence, of the organisation's instances when one is named", async () => {
    const instance = await database.addInstance(5);
    const stranger = await database.addInstance(5);
    const mine = await snapshotsOf(instance, 6, 5);
    const theirs = await snapshotsOf(stranger, 2);

    const first = await database.snapshotListing.completePerInstance([instance.id, stranger.id, randomUUID()], { limit: 3 });
    expect(first.filter((row) => row.instanceId === instance.id).map((row) => row.sequence)).toEqual([6, 4, 3]);
    expect(first.filter((row) => row.instanceId === stranger.id).map((row) => row.id)).toEqual([theirs.get(2), theirs.get(1)]);

    const next = await database.snapshotListing.completePerInstance([instance.id], { after: 3, limit: 3 });
    expect(next.map((row) => row.id)).toEqual([mine.get(2), mine.get(1)]);

    const own = await database.snapshotListing.completePerInstance([instance.id, stranger.id], { organisationId: instance.organisationId, limit: 10 });
    expect(own.map((row) => row.sequence)).toEqual([6, 4, 3, 2, 1]);
  });

  it('reads complete snapshots by a list of 5,000 ids with their organisation, and their objects by name', async () => {
    const instance = await database.addInstance(5);
    const stranger = await database.addInstance(5);
    const mine = await snapshotsOf(instance, 2, 2);
    const theirs = await snapshotsOf(stranger, 1);
    const complete = mine.get(1)!;

    const ids = [...Array.from({ length: 5000 }, () => randomUUID()), complete, mine.get(2)!];
    const found = await database.snapshotListing.completeByIds(ids);
    expect(found).toEqual([{ snapshot: expect.objectContaining({ id: complete, instanceId: instance.id }), organisationId: instance.organisationId }]);

    for (const name of ['Contact', 'account__c', 'Account']) await database.addSnapshotObject(complete, name);
    await database.addSnapshotObject(theirs.get(1)!, 'Lead');
    const all = await database.snapshotListing.objectsOf([complete, theirs.get(1)!]);
    expect(all.filter((row) => row.snapshotId === complete).map((row) => row.name)).toEqual(['Account', 'Contact', 'account__c']);
    expect(all).toHaveLength(4);
    const own = await database.snapshotListing.objectsOf([complete, theirs.get(1)!], instance.organisationId);
    expect(own.map((row) => row.name)).toEqual(['Account', 'Contact', 'account__c']);
  });
});
