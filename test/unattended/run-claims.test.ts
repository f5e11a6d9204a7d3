import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const DUE = new Date(Date.UTC(2026, 0, 1, 2, 0));
const NEXT = new Date(Date.UTC(2026, 0, 2, 2, 0));
const NOW = new Date(Date.UTC(2026, 0, 1, 2, 0, 30));

/** The scheduler's claims of due runs on each database engine, as schedulers in several processes make them. */
describe.each(ENGINES)('scheduled run claims on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
    await database.addPolicy(instance.id, DUE);
  });
  afterEach(() => database.close());

  it('records a due run once, moving the policy on', async () => {
    const run = await database.runClaims.claim(instance.id, DUE, NEXT, true, NOW);
    expect(run).toMatchObject({ instanceId: instance.id, scheduledFor: DUE, claimedAt: NOW, outcome: 'STARTED', jobId: null });
    expect((await database.policy(instance.id)).nextRunAt).toEqual(NEXT);
    // A second tick that read the old slot changes nothing.
    expect(await database.runClaims.claim(instance.id, DUE, NEXT, true, NOW)).toBeUndefined();
    expect(await database.runs(instance.id)).toHaveLength(1);
  });

  it('gives a slot to one of ten schedulers claiming it at once from two connections', async () => {
    const other = await database.connectAgain();
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? database : other).runClaims.claim(instance.id, DUE, NEXT, true, NOW)));
    expect(claims.filter((run) => run !== undefined)).toHaveLength(1);
    expect(await database.runs(instance.id)).toHaveLength(1);
  });

  it('only moves a deferred run, and leaves a disabled policy alone', async () => {
    expect(await database.runClaims.claim(instance.id, DUE, NEXT, false, NOW)).toBeUndefined();
    expect((await database.policy(instance.id)).nextRunAt).toEqual(NEXT);
    expect(await database.runs(instance.id)).toEqual([]);

    const disabled = await database.addInstance(5);
    await database.addPolicy(disabled.id, DUE);
    await database.disablePolicy(disabled.id);
    expect(await database.runClaims.claim(disabled.id, DUE, NEXT, true, NOW)).toBeUndefined();
    expect((await database.policy(disabled.id)).nextRunAt).toEqual(DUE);
  });

  it('settles a run with its job or its reason, and closes runs a stopped process left', async () => {
    const started = (await database.runClaims.claim(instance.id, DUE, NEXT, true, NOW))!;
    expect(await database.runClaims.settle(started.id, { jobId: 'job-1' })).toMatchObject({ outcome: 'STARTED', jobId: 'job-1' });

    const later = new Date(NEXT.getTime() + 86_400_000);
    const abandoned = (await database.runClaims.claim(instance.id, NEXT, later, true, NEXT))!;
    await database.runClaims.closeAbandoned(NEXT, 'stopped');
    expect((await database.runs(instance.id)).find((run) => run.id === abandoned.id)?.outcome).toBe('STARTED');
    await database.runClaims.closeAbandoned(new Date(NEXT.getTime() + 1), 'stopped');
    const runs = await database.runs(instance.id);
    expect(runs.find((run) => run.id === abandoned.id)).toMatchObject({ outcome: 'SKIPPED', reason: 'stopped' });
    expect(runs.find((run) => run.id === started.id)).toMatchObject({ outcome: 'STARTED', jobId: 'job-1' });
  });
});
