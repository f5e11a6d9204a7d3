import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupPolicyValues } from '../../db/policy-store.ts';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.UTC(2030, 0, 1) + hours * HOUR);

const policy = (nextRunAt: Date | null, changes: Partial<BackupPolicyValues> = {}): BackupPolicyValues => ({
  frequency: 'EVERY_12_HOURS',
  cron: null,
  windowStartMinute: null,
  windowMinutes: null,
  objects: [],
  enabled: nextRunAt !== null,
  anchorAt: at(0),
  nextRunAt,
  updatedAt: at(0),
  ...changes,
});

const rules = (keepLast: number, updatedAt = at(0)) => ({ keepAllDays: 7, dailyWeeks: 4, weeklyMonths: 6, keepLast, updatedAt });

/** Backup and retention policies on each engine: one row per instance whatever the number of saves at once, and the reads the scheduler and the API make. */
describe.each(ENGINES)('policies on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
  });
  afterEach(() => database.close());

  it('saves a backup policy, replaces it, and clears it once', async () => {
    expect(await database.policies.save(instance.id, policy(at(1), { objects: ['Account'] }))).toMatchObject({ instanceId: instance.id, objects: ['Account'], enabled: true, nextRunAt: at(1) });
    const replaced = await database.policies.save(instance.id, policy(null, { frequency: 'CRON', cron: '0 3 * * *', windowStartMinute: 60, windowMinutes: 120 }));
    expect(replaced).toMatchObject({ frequency: 'CRON', cron: '0 3 * * *', windowStartMinute: 60, windowMinutes: 120, objects: [], enabled: false, nextRunAt: null });
    expect(await database.policies.find(instance.id)).toEqual(replaced);
    expect(await database.policies.clear(instance.id)).toBe(true);
    expect(await database.policies.clear(instance.id)).toBe(false);
    expect(await database.policies.find(instance.id)).toBeUndefined();
  });

  it('keeps one whole policy, one of the saves, of twenty saves at once from two connections', async () => {
    const other = await database.connectAgain();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : database).policies.save(instance.id, policy(at(i), { objects: [`Object${i}`] }))));
    const saved = await database.policies.byInstanceIds([instance.id]);
    expect(saved).toHaveLength(1);
    // Its fields all come from the same save.
    expect(saved[0].objects).toEqual([`Object${(saved[0].nextRunAt!.getTime() - at(0).getTime()) / HOUR}`]);
  });

  it('finds the enabled policies due, and those of the instances asked for', async () => {
    const later = await database.addInstance(5, instance.organisationId);
    const disabled = await database.addInstance(5, instance.organisationId);
    await database.policies.save(instance.id, policy(at(1)));
    await database.policies.save(later.id, policy(at(3)));
    await database.policies.save(disabled.id, policy(null));

    expect((await database.policies.due(at(2))).map((p) => p.instanceId)).toEqual([instance.id]);
    expect((await database.policies.due(at(3))).map((p) => p.instanceId).sort()).toEqual([instance.id, later.id].sort());
    const ids = [instance.id, disabled.id, randomUUID()];
    expect((await database.policies.byInstanceIds(ids)).map((p) => p.instanceId).sort()).toEqual([instance.id, disabled.id].sort());
    expect(await database.policies.byInstanceIds([])).toEqual([]);
  });

  it("reads each instance's newest run, and its runs newest first", async () => {
    const other = await database.addInstance(5, instance.organisationId);
    await database.policies.save(instance.id, policy(at(0)));
    await database.policies.save(other.id, policy(at(0)));
    for (const hour of [0, 12, 24]) {
      await database.runClaims.claim(instance.id, at(hour), at(hour + 12), true, at(hour));
      await database.policies.save(instance.id, policy(at(hour + 12)));
    }
    await database.runClaims.claim(other.id, at(0), at(12), true, at(5));

    const last = await database.policies.lastRuns([instance.id, other.id, randomUUID()]);
    expect(last.map((run) => [run.instanceId, run.claimedAt.getTime()]).sort()).toEqual(
      [
        [instance.id, at(24).getTime()],
        [other.id, at(5).getTime()],
      ].sort(),
    );
    const firstPage = await database.policies.history(instance.id, { limit: 2 });
    expect(firstPage.map((run) => run.scheduledFor)).toEqual([at(24), at(12)]);
    const after = { claimedAt: firstPage[1].claimedAt, id: firstPage[1].id };
    expect((await database.policies.history(instance.id, { after, limit: 2 })).map((run) => run.scheduledFor)).toEqual([at(0)]);
  });

  it('pages runs claimed at the same moment once each, the id breaking the tie', async () => {
    await database.policies.save(instance.id, policy(at(0)));
    for (const hour of [0, 12, 24, 36, 48]) await database.runClaims.claim(instance.id, at(hour), at(hour + 12), true, at(60));
    const seen: string[] = [];
    let after: { claimedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await database.policies.history(instance.id, { after, limit: 2 });
      seen.push(...page.map((run) => run.id));
      if (page.length < 2) break;
      after = { claimedAt: page[1].claimedAt, id: page[1].id };
    }
    const ids = (await database.policies.history(instance.id, { limit: 10 })).map((run) => run.id);
    expect(ids).toHaveLength(5);
    expect(seen).toEqual([...ids].sort().reverse());
  });

  it('reads the grants named, those scheduled backups run on', async () => {
    const approval = { refreshTokenCiphertext: 'sealed', instanceUrl: 'https://org.example', salesforceOrgId: '00D000000000001', salesforceUserId: 'user', username: 'user@example.com' };
    const { instance: connected } = (await database.ledger.issueGrant(instance.id, approval, new Date()))!;
    const found = await database.policies.grants([connected.currentGrantId!, randomUUID()]);
    expect(found).toMatchObject([{ id: connected.currentGrantId, instanceId: instance.id, revokedAt: null }]);
    expect(await database.policies.grants([])).toEqual([]);
  });

  it('saves retention rules, replaces them, lists them, and clears them', async () => {
    const other = await database.addInstance(5, instance.organisationId);
    expect(await database.retentionPolicies.save(instance.id, rules(3))).toMatchObject({ instanceId: instance.id, keepLast: 3, keepAllDays: 7 });
    expect(await database.retentionPolicies.save(instance.id, rules(5, at(1)))).toMatchObject({ keepLast: 5, updatedAt: at(1) });
    await database.retentionPolicies.save(other.id, rules(1));

    expect(await database.retentionPolicies.find(instance.id)).toMatchObject({ keepLast: 5 });
    expect((await database.retentionPolicies.all()).map((p) => p.instanceId).sort()).toEqual([instance.id, other.id].sort());
    expect((await database.retentionPolicies.byInstanceIds([other.id, randomUUID()])).map((p) => p.keepLast)).toEqual([1]);
    await database.retentionPolicies.clear(instance.id);
    expect(await database.retentionPolicies.find(instance.id)).toBeUndefined();
    expect(await database.retentionPolicies.all()).toHaveLength(1);
  });

  it('keeps one set of rules of twenty saves at once from two connections', async () => {
    const other = await database.connectAgain();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : database).retentionPolicies.save(instance.id, rules(i + 1))));
    expect(await database.retentionPolicies.all()).toHaveLength(1);
  });
});
