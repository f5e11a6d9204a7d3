import { and, eq, sql } from 'drizzle-orm';
import { intentRows, intentSavedAgain, restoredAgain, restoredRows, savedCreateOf, type RestoreIntentStore } from '../restore-intent-store.ts';
import type { PgDb } from './client.ts';
import { restoredRecords, restoreIntents } from './schema.ts';
import { anyOf } from './any-of.ts';

/** An id list as one array parameter, however long. */

/** Restore intents on PostgreSQL. */
export function postgresRestoreIntentStore(db: PgDb): RestoreIntentStore {
  return {
    async pending(instanceId, object) {
      const rows = await db
        .select()
        .from(restoreIntents)
        .where(and(eq(restoreIntents.instanceId, instanceId), eq(restoreIntents.object, object)));
      return rows.map(savedCreateOf);
    },

    async save(instanceId, jobId, object, creates, sentAt) {
      if (creates.length === 0) return;
      await db
        .insert(restoreIntents)
        .values(intentRows(instanceId, jobId, object, creates, sentAt))
        .onConflictDoUpdate({
          target: [restoreIntents.instanceId, restoreIntents.sourceId],
          set: intentSavedAgain,
        });
    },

    async settle(instanceId, jobId, object, created, notCreated) {
      if (created.length === 0 && notCreated.length === 0) return;
      await db.transaction(async (tx) => {
        if (created.length > 0) {
          await tx
            .insert(restoredRecords)
            .values(restoredRows(instanceId, jobId, object, created))
            .onConflictDoUpdate({
              target: [restoredRecords.instanceId, restoredRecords.sourceId],
              set: restoredAgain,
            });
        }
        const settled = [...created.map(([sourceId]) => sourceId), ...notCreated];
        await tx.delete(restoreIntents).where(and(eq(restoreIntents.instanceId, instanceId), anyOf(restoreIntents.sourceId, settled)));
      });
    },

    async alreadyMapped(instanceId, newIds) {
      if (newIds.length === 0) return new Set();
      const rows = await db
        .select({ newId: restoredRecords.newId })
        .from(restoredRecords)
        .where(and(eq(restoredRecords.instanceId, instanceId), anyOf(restoredRecords.newId, newIds)));
      return new Set(rows.map((row) => row.newId));
    },

    async restoredIds(instanceId, sourceIds) {
      const rows = await db
        .select({ sourceId: restoredRecords.sourceId, newId: restoredRecords.newId })
        .from(restoredRecords)
        .where(and(eq(restoredRecords.instanceId, instanceId), anyOf(restoredRecords.sourceId, sourceIds)));
      return new Map(rows.map((row) => [row.sourceId, row.newId]));
    },

    async anyRestored(instanceId) {
      const rows = await db.select({ found: sql<number>`1` }).from(restoredRecords).where(eq(restoredRecords.instanceId, instanceId)).limit(1);
      return rows.length > 0;
    },
  };
}
