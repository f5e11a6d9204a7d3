import { and, desc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { olderThan } from '../keyset.ts';
import type { BackupPolicyStore, BackupPolicyValues, RetentionPolicyStore, RetentionPolicyValues, RunPosition } from '../policy-store.ts';
import { backupPolicies, grants, retentionPolicies, scheduledRuns } from '../schema.ts';
import { promised } from './promised.ts';

/** Backup policies and their runs on SQLite. */
export function sqliteBackupPolicyStore(db: Db): BackupPolicyStore {
  const byInstanceIds = (instanceIds: readonly string[]) => db.select().from(backupPolicies).where(inArray(backupPolicies.instanceId, [...instanceIds])).all();
  const find = (instanceId: string) => db.select().from(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)).get();
  const save = (instanceId: string, values: BackupPolicyValues) =>
    db
      .insert(backupPolicies)
      .values({ instanceId, ...values })
      .onConflictDoUpdate({ target: backupPolicies.instanceId, set: values })
      .returning()
      .get();
  const clear = (instanceId: string) => db.delete(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)).run().changes > 0;
  const due = (at: Date) =>
    db
      .select()
      .from(backupPolicies)
      .where(and(eq(backupPolicies.enabled, true), isNotNull(backupPolicies.nextRunAt), lte(backupPolicies.nextRunAt, at)))
      .all();
  function lastRuns(instanceIds: readonly string[]) {
    const newest = db
      .select({ instanceId: scheduledRuns.instanceId, claimedAt: sql<number>`max(${scheduledRuns.claimedAt})`.as('newest') })
      .from(scheduledRuns)
      .where(inArray(scheduledRuns.instanceId, [...instanceIds]))
      .groupBy(scheduledRuns.instanceId)
      .as('newest');
    return db
      .select({ run: scheduledRuns })
      .from(scheduledRuns)
      .innerJoin(newest, and(eq(newest.instanceId, scheduledRuns.instanceId), eq(newest.claimedAt, scheduledRuns.claimedAt)))
      .all()
      .map((row) => row.run);
  }
  const history = (instanceId: string, { after, limit }: { after?: RunPosition; limit: number }) =>
    db
      .select()
      .from(scheduledRuns)
      .where(and(eq(scheduledRuns.instanceId, instanceId), after && olderThan(scheduledRuns.claimedAt, scheduledRuns.id, after.claimedAt, after.id)))
      .orderBy(desc(scheduledRuns.claimedAt), desc(scheduledRuns.id))
      .limit(limit)
      .all();
  const grantsOf = (grantIds: readonly string[]) => (grantIds.length > 0 ? db.select().from(grants).where(inArray(grants.id, [...grantIds])).all() : []);
  return {
    byInstanceIds: promised(byInstanceIds),
    find: promised(find),
    save: promised(save),
    clear: promised(clear),
    due: promised(due),
    lastRuns: promised(lastRuns),
    history: promised(history),
    grants: promised(grantsOf),
  };
}

/** Retention policies on SQLite. */
export function sqliteRetentionPolicyStore(db: Db): RetentionPolicyStore {
  const byInstanceIds = (instanceIds: readonly string[]) => db.select().from(retentionPolicies).where(inArray(retentionPolicies.instanceId, [...instanceIds])).all();
  const find = (instanceId: string) => db.select().from(retentionPolicies).where(eq(retentionPolicies.instanceId, instanceId)).get();
  const all = () => db.select().from(retentionPolicies).all();
  const save = (instanceId: string, values: RetentionPolicyValues) =>
    db
      .insert(retentionPolicies)
      .values({ instanceId, ...values })
      .onConflictDoUpdate({ target: retentionPolicies.instanceId, set: values })
      .returning()
      .get();
  const clear = (instanceId: string) => void db.delete(retentionPolicies).where(eq(retentionPolicies.instanceId, instanceId)).run();
  return { byInstanceIds: promised(byInstanceIds), find: promised(find), all: promised(all), save: promised(save), clear: promised(clear) };
}
