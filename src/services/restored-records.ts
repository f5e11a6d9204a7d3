import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { restoredRecords } from '../../db/schema.ts';
import { inListPlaceholder } from '../../db/in-list.ts';

/** Which snapshot ids earlier restores re-created on an instance, and under which new ids (recorded by restore-intents.ts). */
export function createRestoredRecordService(db: Db) {
  // Asked once per batch of every restore: prepared once.
  const newIdsQuery = db
    .select({ sourceId: restoredRecords.sourceId, newId: restoredRecords.newId })
    .from(restoredRecords)
    .where(
      and(
        eq(restoredRecords.instanceId, sql.placeholder('instanceId')),
        inListPlaceholder(restoredRecords.sourceId, sql.placeholder('sourceIds')),
      ),
    )
    .prepare();

  const anyOnInstance = db
    .select({ found: sql<number>`1` })
    .from(restoredRecords)
    .where(eq(restoredRecords.instanceId, sql.placeholder('instanceId')))
    .limit(1)
    .prepare();

  const newIds = (instanceId: string, sourceIds: Iterable<string>): Map<string, string> => {
    const rows = newIdsQuery.all({ instanceId, sourceIds: JSON.stringify([...new Set(sourceIds)]) });
    return new Map(rows.map((row) => [row.sourceId, row.newId]));
  };

  return {
    /**
     * The lookup a restore starting now uses: on an instance no restore has re-created anything
     * on, it asks nothing per batch (what this restore re-creates it remembers itself).
     */
    lookupForRestore(instanceId: string): (sourceIds: Iterable<string>) => Map<string, string> {
      if (!anyOnInstance.get({ instanceId })) return () => new Map();
      return (sourceIds) => newIds(instanceId, sourceIds);
    },
  };
}

export type RestoredRecordService = ReturnType<typeof createRestoredRecordService>;
