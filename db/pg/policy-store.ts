import { and, desc, eq, isNotNull, lte, sql, type Column } from 'drizzle-orm';
import type { BackupPolicyStore, RetentionPolicyStore } from '../policy-store.ts';
import type { PgDb } from './client.ts';
import { backupPolicies, grants, retentionPolicies, scheduledRuns } from './schema.ts';

/** An id list as one array parameter, however long. */
const anyOf = (column: Column, values: readonly string[]) => sql`${column} = any(${sql.param([...values])}::text[])`;

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

    history: (instanceId, limit) => db.select().from(scheduledRuns).where(eq(scheduledRuns.instanceId, instanceId)).orderBy(desc(scheduledRuns.claimedAt)).limit(limit),

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
