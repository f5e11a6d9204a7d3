import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewDataAlert } from '../../db/data-alert-store.ts';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** Mass-change alerts and their thresholds on each engine: one alert per snapshot whoever raises it, pages newest first, acknowledgement. */
describe.each(ENGINES)('data alerts on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
  });
  afterEach(() => database.close());

  async function snapshotPair() {
    const job = await database.queueJob(instance, new Date());
    return { previous: await database.addSnapshot(job.id, instance.id, true), current: await database.addSnapshot(job.id, instance.id, true) };
  }

  const alertOf = (snapshots: { previous: string; current: string }): NewDataAlert => ({
    id: randomUUID(),
    organisationId: instance.organisationId,
    instanceId: instance.id,
    snapshotId: snapshots.current,
    previousSnapshotId: snapshots.previous,
    objects: [{ object: 'Contact', previousCount: 500, created: 0, updated: 10, deleted: 200 }],
    percent: 10,
    minRecords: 100,
  });

  it("stores an instance's threshold, replacing the one it had", async () => {
    expect(await database.dataAlerts.threshold(instance.id)).toBeUndefined();
    await database.dataAlerts.setThreshold(instance.id, { percent: 12.5, minRecords: 40 });
    await database.dataAlerts.setThreshold(instance.id, { percent: 25, minRecords: 7 });
    expect(await database.dataAlerts.threshold(instance.id)).toEqual({ percent: 25, minRecords: 7 });
  });

  it('raises one alert per snapshot of ten raised at once from two connections', async () => {
    const other = await database.connectAgain();
    const snapshots = await snapshotPair();
    const raised = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : database).dataAlerts.raise(alertOf(snapshots))));
    const made = raised.filter((alert) => alert !== undefined);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ snapshotId: snapshots.current, objects: [{ object: 'Contact', deleted: 200 }], percent: 10, acknowledgedAt: null, createdAt: expect.any(Date) });
    expect(await database.dataAlerts.byIds([made[0].id, randomUUID()])).toEqual(made);
  });

  it('pages alerts newest first, after a position, and without those acknowledged', async () => {
    const alerts = [];
    for (let i = 0; i < 3; i++) {
      alerts.push((await database.dataAlerts.raise(alertOf(await snapshotPair())))!);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [oldest, middle, newest] = alerts;
    const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

    expect(ids(await database.dataAlerts.page(instance.id, { unacknowledged: false, limit: 10 }))).toEqual([newest.id, middle.id, oldest.id]);
    expect(ids(await database.dataAlerts.page(instance.id, { unacknowledged: false, limit: 1, after: newest }))).toEqual([middle.id]);

    const seen = await database.dataAlerts.acknowledge(middle.id, 'ops key', new Date('2030-01-01T00:00:00Z'));
    expect(seen).toMatchObject({ id: middle.id, acknowledgedBy: 'ops key', acknowledgedAt: new Date('2030-01-01T00:00:00Z') });
    expect(ids(await database.dataAlerts.page(instance.id, { unacknowledged: true, limit: 10 }))).toEqual([newest.id, oldest.id]);
    expect(ids(await database.dataAlerts.page(instance.id, { unacknowledged: true, limit: 10, after: newest }))).toEqual([oldest.id]);
    expect(await database.dataAlerts.acknowledge(randomUUID(), 'ops key', new Date())).toBeUndefined();
  });
});
