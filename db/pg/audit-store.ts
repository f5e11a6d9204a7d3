import { and, desc, eq, getTableName, inArray, lt, sql } from 'drizzle-orm';
import { auditConditions, type AuditStore } from '../audit-store.ts';
import type { PgDb } from './client.ts';
import { apiKeys, auditEntries, instances, jobs, snapshots } from './schema.ts';

/**
 * The audit log on PostgreSQL. An identity value is drawn when a row is inserted and becomes
 * visible when its transaction commits, so two concurrent inserts may commit in the other order:
 * a reader that saw the higher id and paged on to lower ones would never see the lower one. Each
 * insert therefore holds a transaction lock, keyed by the table, from before its id is drawn to its
 * commit: ids are drawn in commit order, and every id below a visible one is visible too.
 */
export function postgresAuditStore(db: PgDb): AuditStore {
  async function organisationOfTarget(type: string, id: string): Promise<string | null> {
    const rows = await (() => {
      switch (type) {
        case 'Instance':
          return db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, id));
        case 'Job':
          return db.select({ organisationId: jobs.organisationId }).from(jobs).where(eq(jobs.id, id));
        case 'ApiKey':
          return db.select({ organisationId: apiKeys.organisationId }).from(apiKeys).where(eq(apiKeys.id, id));
        case 'Snapshot':
          return db
            .select({ organisationId: instances.organisationId })
            .from(snapshots)
            .innerJoin(instances, eq(instances.id, snapshots.instanceId))
            .where(eq(snapshots.id, id));
        default:
          return [];
      }
    })();
    return rows[0]?.organisationId ?? null;
  }

  return {
    record: (entry) =>
      db.transaction(async (tx) => {
        // The table's oid: its own lock in each schema, and no other advisory lock's number.
        await tx.execute(sql`select pg_advisory_xact_lock(${getTableName(auditEntries)}::regclass::oid::bigint)`);
        return (await tx.insert(auditEntries).values(entry).returning())[0];
      }),

    organisationOfTarget,

    newestFirst: (organisationId, filter, before, limit) =>
      db
        .select()
        .from(auditEntries)
        .where(and(auditConditions(auditEntries, organisationId, filter), before === undefined ? undefined : lt(auditEntries.id, before)))
        .orderBy(desc(auditEntries.id))
        .limit(limit),

    async pruneStep(cutoff, batch) {
      const oldest = db.select({ id: auditEntries.id }).from(auditEntries).where(lt(auditEntries.at, cutoff)).orderBy(auditEntries.id).limit(batch);
      return (await db.delete(auditEntries).where(inArray(auditEntries.id, oldest))).rowCount ?? 0;
    },
  };
}
