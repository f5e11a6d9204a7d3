import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { auditConditions, type AuditFilter, type AuditStore, type NewAuditEntry } from '../audit-store.ts';
import { apiKeys, auditEntries, instances, jobs, snapshots } from '../schema.ts';
import { promised } from './promised.ts';

/** The audit log on SQLite, where one writer at a time gives ids in commit order. */
export function sqliteAuditStore(db: Db): AuditStore {
  const record = (entry: NewAuditEntry) => db.insert(auditEntries).values(entry).returning().get();

  function organisationOfTarget(type: string, id: string): string | null {
    const row = (() => {
      switch (type) {
        case 'Instance':
          return db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, id)).get();
        case 'Job':
          return db.select({ organisationId: jobs.organisationId }).from(jobs).where(eq(jobs.id, id)).get();
        case 'ApiKey':
          return db.select({ organisationId: apiKeys.organisationId }).from(apiKeys).where(eq(apiKeys.id, id)).get();
        case 'Snapshot':
          return db
            .select({ organisationId: instances.organisationId })
            .from(snapshots)
            .innerJoin(instances, eq(instances.id, snapshots.instanceId))
            .where(eq(snapshots.id, id))
            .get();
        default:
          return undefined;
      }
    })();
    return row?.organisationId ?? null;
  }

  const newestFirst = (organisationId: string | undefined, filter: AuditFilter, before: number | undefined, limit: number) =>
    db
      .select()
      .from(auditEntries)
      .where(and(auditConditions(auditEntries, organisationId, filter), before === undefined ? undefined : lt(auditEntries.id, before)))
      .orderBy(desc(auditEntries.id))
      .limit(limit)
      .all();

  function pruneStep(cutoff: Date, batch: number): number {
    const oldest = db.select({ id: auditEntries.id }).from(auditEntries).where(lt(auditEntries.at, cutoff)).orderBy(auditEntries.id).limit(batch);
    return db.delete(auditEntries).where(inArray(auditEntries.id, oldest)).run().changes;
  }

  return {
    record: promised(record),
    organisationOfTarget: promised(organisationOfTarget),
    newestFirst: promised(newestFirst),
    pruneStep: promised(pruneStep),
  };
}
