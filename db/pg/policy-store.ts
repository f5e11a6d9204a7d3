import { and, desc, eq, isNotNull, lte } from 'drizzle-orm';
import type { BackupPolicyStore, RetentionPolicyStore } from '../policy-store.ts';
import type { PgDb } from './client.ts';
import { backupPolicies, grants, retentionPolicies, scheduledRuns } from './schema.ts';
import { olderThan } from '../keyset.ts';
import { anyOf } from './any-of.ts';

/** Backup policies and their runs on PostgreSQL. */
export function postgresBackupPolicyStore(db: PgDb): BackupPolicyStore {
  return {
    byInstanceIds: (instanceIds) => db.select().from(backupPolicies).where(anyOf(backupPolicies.instanceId, instanceIds)),

    find: async (instanceId) => (await db.select().from(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)))[0],

    save: async (instanceId, values) =>
      (await db
        .insert(backupPolicies)
        .values({ instanceId, ...values })
        .onConflictDoUpdate({ target: backupPolicies.instanceId, set: values })
        .returning())[0],

    clear: async (instanceId) => (await db.delete(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)).returning({ instanceId: backupPolicies.instanceId })).length > 0,

    due: (at) =>
      db
        .select()
        .from(backupPolicies)
        .where(and(eq(backupPolicies.enabled, true), isNotNull(backupPolicies.nextRunAt), lte(backupPolicies.nextRunAt, at))),

    // One row per instance, its newest claim first (the index on instance and claim time serves it).
    lastRuns: (instanceIds) =>
      db
        .selectDistinctOn([scheduledRuns.instanceId])
        .from(scheduledRuns)
        .where(anyOf(scheduledRuns.instanceId, instanceIds))
        .orderBy(scheduledRuns.instanceId, desc(scheduledRuns.claimedAt)),

    history: (instanceId, { after, limit }) =>
      db
        .select()
        .from(scheduledRuns)
        .where(and(eq(scheduledRuns.instanceId, instanceId), after && olderThan(scheduledRuns.claimedAt, scheduledRuns.id, after.claimedAt, after.id)))
        .orderBy(desc(scheduledRuns.claimedAt), desc(scheduledRuns.id))
        .limit(limit),

    grants: (grantIds) => db.select().from(grants).where(anyOf(grants.id, grantIds)),
  };
}

/** Retention policies on PostgreSQL. */
export function postgresRetentionPolicyStore(db: PgDb): RetentionPolicyStore {
  return {
    byInstanceIds: (instanceIds) => db.select().from(retentionPolicies).where(anyOf(retentionPolicies.instanceId, instanceIds)),

    find: async (instanceId) => (await db.select().from(retentionPolicies).where(eq(retentionPolicies.instanceId, instanceId)))[0],

    all: () => db.select().from(retentionPolicies),

    save: async (instanceId, values) =>
      (await db
        .insert(retentionPolicies)
        .values({ instanceId, ...values })
        .onConflictDoUpdate({ target: retentionPolicies.instanceId, set: values })
        .returning())[0],

    async clear(instanceId) {
      await db.delete(retentionPolicies).where(eq(retentionPolicies.instanceId, instanceId));
    },
  };
}
