import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { restoredRecords } from '../../db/schema.ts';

// SQLite binds at most 32,766 variables per statement; stay far below.
const LOOKUP_CHUNK = 500;

/** Which snapshot ids earlier restores re-created on an instance, and under which new ids. */
export function createRestoredRecordService(db: Db) {
  return {
    newIds(instanceId: string, sourceIds: Iterable<string>): Map<string, string> {
      const ids = [...new Set(sourceIds)];
      const found = new Map<string, string>();
      for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
        const rows = db
          .select({ sourceId: restoredRecords.sourceId, newId: restoredRecords.newId })
          .from(restoredRecords)
          .where(and(eq(restoredRecords.instanceId, instanceId), inArray(restoredRecords.sourceId, ids.slice(i, i + LOOKUP_CHUNK))))
          .all();
        for (const row of rows) found.set(row.sourceId, row.newId);
      }
      return found;
    },

    remember(instanceId: string, jobId: string, object: string, pairs: [sourceId: string, newId: string][]): void {
      if (pairs.length === 0) return;
      db.insert(restoredRecords)
        .values(pairs.map(([sourceId, newId]) => ({ instanceId, jobId, object, sourceId, newId })))
        .onConflictDoUpdate({
          target: [restoredRecords.instanceId, restoredRecords.sourceId],
          set: { newId: sql`excluded.new_id`, jobId: sql`excluded.job_id`, object: sql`excluded.object` },
        })
        .run();
    },
  };
}

export type RestoredRecordService = ReturnType<typeof createRestoredRecordService>;
