import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { RemovalStore } from '../removal-store.ts';
import type { PgDb } from './client.ts';
import { apiKeys, grants, instances, jobs, snapshotRecords, snapshots, tokens } from './schema.ts';

/** Removals on PostgreSQL. */
export function postgresRemovalStore(db: PgDb): RemovalStore {
  return {
    async busy(instanceIds) {
      if (instanceIds.length === 0) return false;
      const found = await db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(sql`${jobs.instanceId} = any(${sql.param(instanceIds)}::text[])`, inArray(jobs.status, ['QUEUED', 'RUNNING'])))
        .limit(1);
      return found.length > 0;
    },

    liveGrants: (instanceId) => db.select().from(grants).where(and(eq(grants.instanceId, instanceId), isNull(grants.revokedAt))),

    // The instance's row is locked first, as the token ledger locks it: a reservation waits, then finds no token.
    disconnect: (instanceId) =>
      db.transaction(async (tx) => {
        const [found] = await tx.select({ id: instances.id }).from(instances).where(eq(instances.id, instanceId)).for('update');
        if (!found) return undefined;
        await tx.update(tokens).set({ status: 'REVOKED' }).where(and(eq(tokens.instanceId, instanceId), eq(tokens.status, 'AVAILABLE')));
        return (await tx.update(instances).set({ status: 'NOT_CONNECTED', currentGrantId: null }).where(eq(instances.id, instanceId)).returning())[0];
      }),

    // Snapshot rows left (pruning normally took them) go by organisation first: the cascade from the
    // instance's snapshots alone would look in every organisation's partition.
    deleteInstance: (instanceId) =>
      db.transaction(async (tx) => {
        const [instance] = await tx.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, instanceId));
        if (!instance) return;
        const held = tx.select({ id: snapshots.id }).from(snapshots).where(eq(snapshots.instanceId, instanceId));
        await tx.delete(snapshotRecords).where(and(eq(snapshotRecords.organisationId, instance.organisationId), inArray(snapshotRecords.snapshotId, held)));
        await tx.delete(instances).where(eq(instances.id, instanceId));
      }),

    instancesOf: (organisationId) => db.select().from(instances).where(eq(instances.organisationId, organisationId)),

    async apiKeyIdsOf(organisationId) {
      const keys = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.organisationId, organisationId));
      return keys.map((key) => key.id);
    },
  };
}
