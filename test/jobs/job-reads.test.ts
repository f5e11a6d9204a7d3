import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow, JobRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const newestFirst = (a: JobRow, b: JobRow) => b.queuedAt.getTime() - a.queuedAt.getTime() || (a.id < b.id ? 1 : -1);

/** The lists of jobs the API reads, on each engine: the first rows of each parent in one read, after a cursor, filtered. */
describe.each(ENGINES)('job reads on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  /** `count` jobs a minute apart, the last at `start`; two share the newest instant so the id breaks the tie. */
  async function jobsOf(instance: InstanceRow, count: number, start = Date.UTC(2026, 0, 1)): Promise<JobRow[]> {
    const jobs: JobRow[] = [];
    for (let i = 0; i < count; i++) jobs.push(await database.queueJob(instance, new Date(start - Math.max(0, i - 1) * 60_000)));
    return jobs.sort(newestFirst);
  }

  it("reads the first jobs of each instance, newest first, then each one's next page after its cursor", async () => {
    const instances = [await database.addInstance(5), await database.addInstance(5), await database.addInstance(5)];
    const jobs = await Promise.all(instances.map((instance, i) => jobsOf(instance, 2 + i * 2)));
    const parentIds = [...instances.map((instance) => instance.id), randomUUID()];

    const first = await database.jobs.firstPerParent('instanceId', parentIds, { limit: 3 });
    for (const [i, instance] of instances.entries()) {
      expect(first.filter((job) => job.instanceId === instance.id).map((job) => job.id)).toEqual(jobs[i].slice(0, 3).map((job) => job.id));
    }
    expect(first).toHaveLength(2 + 3 + 3);
    // Lists leave out what no field shows.
    expect(first[0]).not.toHaveProperty('parameters');
    expect(first[0]).not.toHaveProperty('accessTokenCiphertext');
    expect(first[0]).toMatchObject({ queuedAt: expect.any(Date), status: 'QUEUED' });

    const last = jobs[2][2];
    const next = await database.jobs.firstPerParent('instanceId', [instances[2].id], { after: { queuedAt: last.queuedAt, id: last.id }, limit: 2 });
    expect(next.map((job) => job.id)).toEqual(jobs[2].slice(3, 5).map((job) => job.id));
  });

  it('filters by status, kind and organisation, and reads by organisation alike', async () => {
    const instance = await database.addInstance(5);
    const sibling = await database.addInstance(5, instance.organisationId);
    const stranger = await database.addInstance(5);
    const [newest, older] = await jobsOf(instance, 2);
    const ofSibling = await jobsOf(sibling, 1, Date.UTC(2025, 0, 1));
    await jobsOf(stranger, 1);
    await database.claims.cancelQueued(older.id);

    const cancelled = await database.jobs.firstPerParent('instanceId', [instance.id], { status: 'CANCELLED', limit: 5 });
    expect(cancelled.map((job) => job.id)).toEqual([older.id]);
    expect(await database.jobs.firstPerParent('instanceId', [instance.id], { kind: 'RESTORE', limit: 5 })).toEqual([]);
    expect(await database.jobs.firstPerParent('instanceId', [instance.id, stranger.id], { organisationId: instance.organisationId, limit: 5 })).toHaveLength(2);

    const byOrganisation = await database.jobs.firstPerParent('organisationId', [instance.organisationId], { limit: 5 });
    expect(byOrganisation.map((job) => job.id)).toEqual([newest.id, older.id, ofSibling[0].id]);
  });

  it("reads each job's first failures in the order reported, after a failure, and only of the organisation's jobs when one is named", async () => {
    const instance = await database.addInstance(5);
    const stranger = await database.addInstance(5);
    const [job] = await jobsOf(instance, 1);
    const [other] = await jobsOf(stranger, 1);
    const failure = (recordId: string) => ({ object: 'Account', recordId, statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'refused' });
    await database.reports.failures(job.id, ['a', 'b', 'c', 'd'].map(failure));
    await database.reports.failures(other.id, ['e', 'f'].map(failure));

    const first = await database.jobs.failuresPerJob([job.id, other.id], { limit: 3 });
    expect(first.filter((row) => row.jobId === job.id).map((row) => row.recordId)).toEqual(['a', 'b', 'c']);
    expect(first.filter((row) => row.jobId === other.id).map((row) => row.recordId)).toEqual(['e', 'f']);

    const third = first.find((row) => row.recordId === 'c')!;
    expect((await database.jobs.failuresPerJob([job.id], { after: third.id, limit: 3 })).map((row) => row.recordId)).toEqual(['d']);
    expect((await database.jobs.failuresPerJob([job.id, other.id], { organisationId: instance.organisationId, limit: 5 })).map((row) => row.recordId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reads jobs by a list of 5,000 ids, says which instances and grants have work under way, and counts jobs by status', async () => {
    const instance = await database.addInstance(5);
    const idle = await database.addInstance(5);
    const [queued, cancelled] = await jobsOf(instance, 2);
    await database.claims.cancelQueued(cancelled.id);

    const ids = [...Array.from({ length: 5000 }, () => randomUUID()), queued.id, cancelled.id];
    expect((await database.jobs.byIds(ids)).map((job) => job.id).sort()).toEqual([queued.id, cancelled.id].sort());
    expect(await database.jobs.byIds([])).toEqual([]);

    expect(await database.jobs.activeOnInstance(instance.id)).toBe(true);
    expect(await database.jobs.activeOnInstance(idle.id)).toBe(false);
    expect(await database.jobs.activeOnGrant(randomUUID())).toBe(false);
    expect(await database.jobs.countsByStatus()).toEqual(new Map([['QUEUED', 1], ['CANCELLED', 1]]));
  });
});
