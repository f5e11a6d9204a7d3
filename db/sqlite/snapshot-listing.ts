import { and, asc, desc, eq, getTableColumns, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { columnRows } from '../column-rows.ts';
import { inList, inListPlaceholder } from '../in-list.ts';
import { firstRowsPerParent } from '../rows-per-parent.ts';
import { instances, snapshotObjects, snapshots, type SnapshotObjectRow } from '../schema.ts';
import type { ChildPageQuery } from '../parent-pages.ts';
import type { SnapshotListing } from '../snapshot-listing.ts';
import { childPageStatement, ofOrganisationParents } from './child-pages.ts';
import { promised } from './promised.ts';

/** Snapshot lists on SQLite: what every dashboard request reads is prepared once. */
export function sqliteSnapshotListing(db: Db): SnapshotListing {
  // The ids bound as one JSON list. All organisations' objects, or one organisation's joined to it.
  const objectColumns = getTableColumns(snapshotObjects);
  const snapshotIdsIn = inListPlaceholder(snapshotObjects.snapshotId, sql.placeholder('snapshotIds'));
  const objectsOfSnapshots = columnRows<SnapshotObjectRow>(
    db.select(objectColumns).from(snapshotObjects).where(snapshotIdsIn).orderBy(asc(snapshotObjects.name)).prepare(),
    objectColumns,
  );
  const organisationObjectsOfSnapshots = columnRows<SnapshotObjectRow>(
    db
      .select(objectColumns)
      .from(snapshotObjects)
      .innerJoin(snapshots, eq(snapshots.id, snapshotObjects.snapshotId))
      .innerJoin(instances, eq(instances.id, snapshots.instanceId))
      .where(and(snapshotIdsIn, eq(instances.organisationId, sql.placeholder('organisationId'))))
      .orderBy(asc(snapshotObjects.name))
      .prepare(),
    objectColumns,
  );

  return {
    completeByIds: promised((ids: readonly string[]) =>
      db
        .select({ snapshot: snapshots, organisationId: instances.organisationId })
        .from(snapshots)
        .innerJoin(instances, eq(instances.id, snapshots.instanceId))
        .where(and(inList(snapshots.id, ids), isNotNull(snapshots.completedAt)))
        .all(),
    ),

    completePerInstance: promised((instanceIds: readonly string[], query: ChildPageQuery) =>
      firstRowsPerParent(
        db,
        snapshots,
        instanceIds,
        query.limit,
        (table) => ({
          parent: table.instanceId,
          id: table.id,
          where: and(
            isNotNull(table.completedAt),
            ofOrganisationParents(db, query, table.instanceId, instances),
            query.after === undefined ? undefined : lt(table.sequence, sql.placeholder('after')),
          ),
          orderBy: [desc(table.sequence)],
        }),
        childPageStatement(query),
      ),
    ),

    objectsOf: promised((snapshotIds: readonly string[], organisationId?: string) => {
      const ids = JSON.stringify(snapshotIds);
      return organisationId === undefined ? objectsOfSnapshots({ snapshotIds: ids }) : organisationObjectsOfSnapshots({ snapshotIds: ids, organisationId });
    }),
  };
}
