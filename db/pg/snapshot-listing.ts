import { and, desc, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { SnapshotListing } from '../snapshot-listing.ts';
import { anyOf } from './any-of.ts';
import type { PgDb } from './client.ts';
import { firstRowsPerParent } from './rows-per-parent.ts';
import { instances, snapshotObjects, snapshots } from './schema.ts';

// Byte order, as SQLite sorts: the database's collation would put "account__c" beside "Account".
const byName = sql`${snapshotObjects.name} collate "C"`;

/** Snapshot lists on PostgreSQL. */
export function postgresSnapshotListing(db: PgDb): SnapshotListing {
  return {
    completeByIds: (ids) =>
      db
        .select({ snapshot: snapshots, organisationId: instances.organisationId })
        .from(snapshots)
        .innerJoin(instances, eq(instances.id, snapshots.instanceId))
        .where(and(anyOf(snapshots.id, ids), isNotNull(snapshots.completedAt))),

    completePerInstance: (instanceIds, { organisationId, after, limit }) =>
      firstRowsPerParent(db, snapshots, instanceIds, limit, (table) => ({
        parent: table.instanceId,
        id: table.id,
        where: and(
          isNotNull(table.completedAt),
          organisationId === undefined
            ? undefined
            : inArray(table.instanceId, db.select({ id: instances.id }).from(instances).where(eq(instances.organisationId, organisationId))),
          after === undefined ? undefined : lt(table.sequence, after),
        ),
        orderBy: [desc(table.sequence)],
      })),

    objectsOf: (snapshotIds, organisationId) =>
      organisationId === undefined
        ? db.select().from(snapshotObjects).where(anyOf(snapshotObjects.snapshotId, snapshotIds)).orderBy(byName)
        : db
            .select({ object: snapshotObjects })
            .from(snapshotObjects)
            .innerJoin(snapshots, eq(snapshots.id, snapshotObjects.snapshotId))
            .innerJoin(instances, eq(instances.id, snapshots.instanceId))
            .where(and(anyOf(snapshotObjects.snapshotId, snapshotIds), eq(instances.organisationId, organisationId)))
            .orderBy(byName)
            .then((rows) => rows.map((row) => row.object)),
  };
}
