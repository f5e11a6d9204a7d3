import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { inList, inListPlaceholder } from '../in-list.ts';
import { intentRows, intentSavedAgain, restoredAgain, restoredRows, savedCreateOf, type RestoreIntentStore, type SavedCreate } from '../restore-intent-store.ts';
import { restoredRecords, restoreIntents } from '../schema.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';

/** Restore intents on SQLite; id lists go as one JSON parameter (SQLite caps bound parameters). */
export function sqliteRestoreIntentStore(db: Db): RestoreIntentStore {
  const mappedQuery = db
    .select({ newId: restoredRecords.newId })
    .from(restoredRecords)
    .where(and(eq(restoredRecords.instanceId, sql.placeholder('instanceId')), inListPlaceholder(restoredRecords.newId, sql.placeholder('newIds'))))
    .prepare();
  // Asked once per batch of every restore that follows another: prepared once.
  const newIdsQuery = db
    .select({ sourceId: restoredRecords.sourceId, newId: restoredRecords.newId })
    .from(restoredRecords)
    .where(and(eq(restoredRecords.instanceId, sql.placeholder('instanceId')), inListPlaceholder(restoredRecords.sourceId, sql.placeholder('sourceIds'))))
    .prepare();
  const anyOnInstance = db
    .select({ found: sql<number>`1` })
    .from(restoredRecords)
    .where(eq(restoredRecords.instanceId, sql.placeholder('instanceId')))
    .limit(1)
    .prepare();

  const pending = (instanceId: string, object: string) =>
    db
      .select()
      .from(restoreIntents)
      .where(and(eq(restoreIntents.instanceId, instanceId), eq(restoreIntents.object, object)))
      .all()
      .map(savedCreateOf);

  function save(instanceId: string, jobId: string, object: string, creates: Omit<SavedCreate, 'sentAt'>[], sentAt: Date) {
    if (creates.length === 0) return;
    db.insert(restoreIntents)
      .values(intentRows(instanceId, jobId, object, creates, sentAt))
      .onConflictDoUpdate({
        target: [restoreIntents.instanceId, restoreIntents.sourceId],
        set: intentSavedAgain,
      })
      .run();
  }

  function settle(instanceId: string, jobId: string, object: string, created: [string, string][], notCreated: string[]) {
    if (created.length === 0 && notCreated.length === 0) return;
    writeTransaction(db, (tx) => {
      if (created.length > 0) {
        tx.insert(restoredRecords)
          .values(restoredRows(instanceId, jobId, object, created))
          .onConflictDoUpdate({
            target: [restoredRecords.instanceId, restoredRecords.sourceId],
            set: restoredAgain,
          })
          .run();
      }
      const settled = [...created.map(([sourceId]) => sourceId), ...notCreated];
      tx.delete(restoreIntents).where(and(eq(restoreIntents.instanceId, instanceId), inList(restoreIntents.sourceId, settled))).run();
    });
  }

  const alreadyMapped = (instanceId: string, newIds: string[]) =>
    newIds.length === 0 ? new Set<string>() : new Set(mappedQuery.all({ instanceId, newIds: JSON.stringify(newIds) }).map((row) => row.newId));
  const restoredIds = (instanceId: string, sourceIds: string[]) =>
    new Map(newIdsQuery.all({ instanceId, sourceIds: JSON.stringify(sourceIds) }).map((row) => [row.sourceId, row.newId]));
  const anyRestored = (instanceId: string) => anyOnInstance.get({ instanceId }) !== undefined;

  return {
    pending: promised(pending),
    save: promised(save),
    settle: promised(settle),
    alreadyMapped: promised(alreadyMapped),
    restoredIds: promised(restoredIds),
    anyRestored: promised(anyRestored),
  };
}
