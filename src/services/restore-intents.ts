import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { inList, inListPlaceholder } from '../../db/in-list.ts';
import { restoredRecords, restoreIntents } from '../../db/schema.ts';
import type { SentCreate } from './create-reconciliation.ts';
import { writeTransaction } from '../../db/write-transaction.ts';

/**
 * Creates a restore has sent (or is about to send) whose answer is not known yet, per target
 * instance, and the new ids of those Salesforce carried out. Saved before the create goes out,
 * so neither a lost answer nor a crash loses track of a record that may exist in the org.
 */
export function createRestoreIntentService(db: Db, instanceId: string, jobId: string) {
  const mappedQuery = db
    .select({ newId: restoredRecords.newId })
    .from(restoredRecords)
    .where(and(eq(restoredRecords.instanceId, sql.placeholder('instanceId')), inListPlaceholder(restoredRecords.newId, sql.placeholder('newIds'))))
    .prepare();

  return {
    /** Creates of an object still waiting for their outcome, from this job or an earlier one. */
    pending(object: string): SentCreate[] {
      return db
        .select()
        .from(restoreIntents)
        .where(and(eq(restoreIntents.instanceId, instanceId), eq(restoreIntents.object, object)))
        .all()
        .map((row) => ({ sourceId: row.sourceId, body: JSON.parse(row.body) as Record<string, unknown>, sentAt: row.sentAt }));
    },

    /** Saves creates before they are sent. */
    save(object: string, creates: { sourceId: string; body: Record<string, unknown> }[]): void {
      if (creates.length === 0) return;
      const sentAt = new Date();
      db.insert(restoreIntents)
        .values(creates.map(({ sourceId, body }) => ({ instanceId, jobId, object, sourceId, body: JSON.stringify(body), sentAt })))
        .onConflictDoUpdate({
          target: [restoreIntents.instanceId, restoreIntents.sourceId],
          set: { body: sql`excluded.body`, sentAt: sql`excluded.sent_at`, jobId: sql`excluded.job_id` },
        })
        .run();
    },

    /** Records the new ids of creates carried out and forgets creates whose outcome is known, in one transaction. */
    settle(object: string, created: [sourceId: string, newId: string][], notCreated: string[]): void {
      if (created.length === 0 && notCreated.length === 0) return;
      writeTransaction(db, (tx) => {
        if (created.length > 0) {
          tx.insert(restoredRecords)
            .values(created.map(([sourceId, newId]) => ({ instanceId, jobId, object, sourceId, newId })))
            .onConflictDoUpdate({
              target: [restoredRecords.instanceId, restoredRecords.sourceId],
              set: { newId: sql`excluded.new_id`, jobId: sql`excluded.job_id`, object: sql`excluded.object` },
            })
            .run();
        }
        const settled = [...created.map(([sourceId]) => sourceId), ...notCreated];
        tx.delete(restoreIntents).where(and(eq(restoreIntents.instanceId, instanceId), inList(restoreIntents.sourceId, settled))).run();
      });
    },

    /** Of the given org ids, those already mapped to some snapshot record of this instance. */
    alreadyMapped(newIds: string[]): Set<string> {
      if (newIds.length === 0) return new Set();
      return new Set(mappedQuery.all({ instanceId, newIds: JSON.stringify(newIds) }).map((row) => row.newId));
    },
  };
}

export type RestoreIntentService = ReturnType<typeof createRestoreIntentService>;
