import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../db/job-claims.ts';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type EngineConnection, type TestDatabase } from '../helpers/engines.ts';

const inAMinute = () => new Date(Date.now() + 60_000);
const leaseOf = (owner: string, expiresAt = inAMinute()): Lease => ({ owner, expiresAt });

/** The queue's transitions on each database engine, as workers in several processes use them. */
describe.each(ENGINES)('job claims on $name', (engine) => {
  let database: TestDatabase;
  let first: InstanceRow;
  let second: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    first = await database.addInstance(5);
    second = await database.addInstance(5);
  });
  afterEach(() => database.close());

  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

  it('claims the oldest queued job of an instance that runs nothing, never two on one instance', async () => {
    const a1 = await database.queueJob(first, at(1));
    const b1 = await database.queueJob(second, at(2));
    const a2 = await database.queueJob(first, at(0));

    const claimed = [await database.claims.claimNext(leaseOf('w1')), await database.claims.claimNext(leaseOf('w1')), await database.claims.claimNext(leaseOf('w1'))];
    expect(claimed.map((job) => job?.id)).toEqual([a2.id, b1.id, undefined]);
    expect(claimed[0]).toMatchObject({ status: 'RUNNING', leaseOwner: 'w1' });

    await database.claims.finish(a2.id, 'w1', { status: 'SUCCEEDED' });
    expect((await database.claims.claimNext(leaseOf('w2')))?.id).toBe(a1.id);
  });

  it('spreads twenty claims at once from two connections over the instances, one job each', async () => {
    const instances = [first, second, await database.addInstance(5), await database.addInstance(5)];
    for (const [i, instance] of instances.entries()) for (let j = 0; j < 3; j++) await database.queueJob(instance, at(i * 3 + j));
    const other = await database.connectAgain();

    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? database : other).claims.claimNext(leaseOf(`w${i % 2}`))));
    const claimed = claims.filter((job) => job !== undefined);
    expect(claimed).toHaveLength(instances.length);
    expect(new Set(claimed.map((job) => job.instanceId))).toEqual(new Set(instances.map((instance) => instance.id)));
    // Each the oldest of its instance.
    expect(claimed.map((job) => job.queuedAt.getUTCSeconds() % 3)).toEqual([0, 0, 0, 0]);
  });

  it('renews only the leases its worker holds, and tells it which jobs someone asked to cancel', async () => {
    const a = await database.queueJob(first, at(0));
    const b = await database.queueJob(second, at(1));
    await database.claims.claimNext(leaseOf('w1'));
    await database.claims.claimNext(leaseOf('w2'));
    expect(await database.claims.requestCancel(b.id)).toBe(true);

    const later = new Date(Date.now() + 120_000);
    const held = await database.claims.renewLeases(leaseOf('w1', later), [a.id, b.id]);
    expect([...held]).toEqual([[a.id, { cancelRequested: false }]]);
    expect((await database.job(a.id)).leaseExpiresAt).toEqual(later);
    expect(await database.claims.renewLeases(leaseOf('w2'), [b.id])).toEqual(new Map([[b.id, { cancelRequested: true }]]));
    expect(await database.claims.requestCancel('missing')).toBe(false);
  });

  it("ends a lost worker's jobs once their lease has passed, with their unfinished snapshots", async () => {
    const lost = await database.queueJob(first, at(0));
    const live = await database.queueJob(second, at(1));
    await database.claims.claimNext(leaseOf('dead', new Date(Date.now() - 1000)));
    await database.claims.claimNext(leaseOf('alive'));
    const unfinished = await database.addSnapshot(lost.id, first.id, false);
    const kept = await database.addSnapshot(live.id, second.id, false);

    const ended = await database.claims.failExpired(new Date(), 'The worker stopped');
    expect(ended.map((job) => job.id)).toEqual([lost.id]);
    expect(ended[0]).toMatchObject({ status: 'FAILED', error: 'The worker stopped', leaseOwner: null, accessTokenCiphertext: null });
    expect(await database.snapshotIds()).toEqual([kept]);
    expect(await database.snapshotIds()).not.toContain(unfinished);
    // The dead worker, back, holds nothing and cannot finish it.
    expect(await database.claims.renewLeases(leaseOf('dead'), [lost.id])).toEqual(new Map());
    expect(await database.claims.finish(lost.id, 'dead', { status: 'SUCCEEDED' })).toBeUndefined();
    expect((await database.job(lost.id)).status).toBe('FAILED');
  });

  it('hands a running job back to the queue in its place, unless someone asked to cancel it', async () => {
    const job = await database.queueJob(first, at(0));
    await database.claims.claimNext(leaseOf('w1'));
    expect(await database.claims.handBack(job.id, 'someone else')).toBeUndefined();
    expect(await database.claims.handBack(job.id, 'w1')).toMatchObject({ status: 'QUEUED', leaseOwner: null, startedAt: null });
    expect((await database.claims.claimNext(leaseOf('w2')))?.id).toBe(job.id);

    await database.claims.requestCancel(job.id);
    expect(await database.claims.handBack(job.id, 'w2')).toBeUndefined();
    expect(await database.claims.finish(job.id, 'w2', { status: 'CANCELLED' })).toMatchObject({ status: 'CANCELLED' });
  });

  it('cancels a queued job at once, and only a queued one', async () => {
    const queued = await database.queueJob(first, at(0));
    const running = await database.queueJob(second, at(1));
    await database.claims.claimNext(leaseOf('w1'));
    await database.claims.claimNext(leaseOf('w1'));
    expect(await database.claims.cancelQueued(running.id)).toBeUndefined();
    // Both were claimed: queue a third to cancel.
    const third = await database.queueJob(first, at(2));
    expect(await database.claims.cancelQueued(third.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await database.claims.cancelQueued(third.id)).toBeUndefined();
    expect((await database.job(queued.id)).status).toBe('RUNNING');
  });
});

/** What a running job writes to its row, on each engine: figures, warnings appended in order, its summary and failures. */
describe.each(ENGINES)('job reports on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('keeps what the job reports, and a hand-back forgets it', async () => {
    const instance = await database.addInstance(5);
    const job = await database.queueJob(instance, new Date());
    await database.claims.claimNext(leaseOf('w1'));

    expect(await database.reports.figures(job.id, { processed: 10, total: 40, apiCalls: 3 })).toMatchObject({ processed: 10, total: 40, failed: 0, apiCalls: 3 });
    const warnings = ['Field "Secret__c" skipped', 'naïve – "quoted" \\ and \u{1F600}', '[not, json]'];
    for (const warning of warnings) await database.reports.warn(job.id, warning);
    const summary = { dryRun: true, objects: [{ object: 'Account', undeleted: 0, created: 1, updated: 2, unchanged: 3, skipped: 0, failed: 1, changes: [{ recordId: '001', field: 'Name', from: null, to: { nested: [1, 'two'] } }] }] };
    await database.reports.restoreSummary(job.id, summary);
    await database.reports.snapshotTaken(job.id, 'snapshot-1');
    await database.reports.failures(job.id, [{ object: 'Account', recordId: '001', statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'No' }, { object: 'Account', recordId: null, statusCode: 'X', message: 'Y' }]);
    await database.reports.failures(job.id, []);

    expect(await database.job(job.id)).toMatchObject({ warnings, restoreSummary: summary, snapshotId: 'snapshot-1' });
    expect(await database.failureCount(job.id)).toBe(2);

    expect(await database.claims.handBack(job.id, 'w1')).toMatchObject({ processed: 0, total: null, warnings: [], restoreSummary: null });
    expect(await database.failureCount(job.id)).toBe(0);
  });
});

/** Workers on several connections draining one queue, as worker processes would. */
describe.each(ENGINES)('a queue drained by four connections on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('runs every job once, never two at once on an instance, each instance’s jobs in queue order', async () => {
    const instances = await Promise.all(Array.from({ length: 8 }, () => database.addInstance(5)));
    const queued = [];
    for (let j = 0; j < 40; j++) queued.push(await database.queueJob(instances[j % 8], new Date(Date.UTC(2026, 0, 1, 0, 0, j))));
    const connections = [database, ...(await Promise.all([1, 2, 3].map(() => database.connectAgain())))];

    const started: { jobId: string; instanceId: string }[] = [];
    const runningOn = new Set<string>();
    const overlaps: string[] = [];
    let finished = 0;
    const work = async (connection: EngineConnection, owner: string) => {
      while (finished < queued.length) {
        const job = await connection.claims.claimNext(leaseOf(owner));
        if (!job) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        if (runningOn.has(job.instanceId)) overlaps.push(job.instanceId);
        runningOn.add(job.instanceId);
        started.push({ jobId: job.id, instanceId: job.instanceId });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        runningOn.delete(job.instanceId);
        expect(await connection.claims.finish(job.id, owner, { status: 'SUCCEEDED' })).toMatchObject({ status: 'SUCCEEDED' });
        finished += 1;
      }
    };
    await Promise.all(connections.map((connection, i) => work(connection, `w${i}`)));

    expect(overlaps).toEqual([]);
    expect(started.map((run) => run.jobId).sort()).toEqual(queued.map((job) => job.id).sort());
    for (const instance of instances) {
      const order = queued.filter((job) => job.instanceId === instance.id).map((job) => job.id);
      expect(started.filter((run) => run.instanceId === instance.id).map((run) => run.jobId)).toEqual(order);
    }
  });
});
