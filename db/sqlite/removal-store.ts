import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { RemovalStore } from '../removal-store.ts';
import { apiKeys, grants, instances, jobs, tokens } from '../schema.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';

/** Removals on SQLite. */
export function sqliteRemovalStore(db: Db): RemovalStore {
  function busy(instanceIds: string[]): boolean {
    if (instanceIds.length === 0) return false;
    const job = db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(inArray(jobs.instanceId, instanceIds), inArray(jobs.status, ['QUEUED', 'RUNNING'])))
      .get();
    return job !== undefined;
  }
  const liveGrants = (instanceId: string) => db.select().from(grants).where(and(eq(grants.instanceId, instanceId), isNull(grants.revokedAt))).all();
  const disconnect = (instanceId: string) =>
    writeTransaction(db, (tx) => {
      tx.update(tokens).set({ status: 'REVOKED' }).where(and(eq(tokens.instanceId, instanceId), eq(tokens.status, 'AVAILABLE'))).run();
      return tx.update(instances).set({ status: 'NOT_CONNECTED', currentGrantId: null }).where(eq(instances.id, instanceId)).returning().get();
    });
  const deleteInstance = (instanceId: string) => void db.delete(instances).where(eq(instances.id, instanceId)).run();
  const instancesOf = (organisationId: string) => db.select().from(instances).where(eq(instances.organisationId, organisationId)).all();
  const apiKeyIdsOf = (organisationId: string) =>
    db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.organisationId, organisationId))
      .all()
      .map((key) => key.id);
  return {
    busy: promised(busy),
    liveGrants: promised(liveGrants),
    disconnect: promised(disconnect),
    deleteInstance: promised(deleteInstance),
    instancesOf: promised(instancesOf),
    apiKeyIdsOf: promised(apiKeyIdsOf),
  };
}
