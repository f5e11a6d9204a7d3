import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { columnRows } from '../../db/column-rows.ts';
import { inListPlaceholder } from '../../db/in-list.ts';
import { firstRowsPerParent } from '../../db/rows-per-parent.ts';
import { instances, snapshotObjects, snapshots, type SnapshotObjectRow, type SnapshotRow } from '../../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { childPageStatement, ofVisibleParents } from './child-pages.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, pagesPerParent, type Page, type PageRequest } from './paging.ts';
import type { SnapshotService, StoredRecord } from './snapshots.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

const SNAPSHOTS_PAGE_SIZE = 20;
const RECORDS_PAGE_SIZE = 50;
const snapshotCursor = (snapshot: SnapshotRow) => encodeCursor('snapshots', snapshot.sequence);

/** What a viewer may read of snapshots: complete ones of the organisations it can see. */
export function createSnapshotQueries(db: Db, storage: SnapshotService) {
  const visible = (viewer: Viewer, ids: readonly string[]) =>
    db
      .select({ snapshot: snapshots, organisationId: instances.organisationId })
      .from(snapshots)
      .innerJoin(instances, eq(instances.id, snapshots.instanceId))
      .where(and(inArray(snapshots.id, [...ids]), isNotNull(snapshots.completedAt)))
      .all()
      .filter((row) => canSeeOrganisation(viewer, row.organisationId))
      .map((row) => row.snapshot);

  // Read for every snapshot a dashboard shows: prepared once, the ids bound as one JSON list. The
  // operator key sees every organisation's; another key's are joined to their organisation.
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
    byIds: visible,

    get(viewer: Viewer, id: string): SnapshotRow {
      const [snapshot] = visible(viewer, [id]);
      if (!snapshot) throw new NotFoundError('Snapshot', id);
      return snapshot;
    },

    /** Complete snapshots of each instance, newest first, in one statement for all of them. */
    pagesByInstance(viewer: Viewer, instanceIds: readonly string[], request: PageRequest): Map<string, Page<SnapshotRow>> {
      const size = pageSize(request, SNAPSHOTS_PAGE_SIZE);
      const after = request.after ? decodeCursor('snapshots', request.after, ['number'] as const)[0] : undefined;
      const rows = firstRowsPerParent(
        db,
        snapshots,
        instanceIds,
        size + 1,
        (table) => ({
          parent: table.instanceId,
          id: table.id,
          where: and(
            isNotNull(table.completedAt),
            ofVisibleParents(db, viewer, table.instanceId, instances),
            after === undefined ? undefined : lt(table.sequence, sql.placeholder('after')),
          ),
          orderBy: [desc(table.sequence)],
        }),
        childPageStatement(viewer, after),
      );
      return pagesPerParent(rows, instanceIds, (snapshot) => snapshot.instanceId, size, request, snapshotCursor);
    },

    /** Per-object counts of many snapshots in one statement. */
    objectsBySnapshot(viewer: Viewer, snapshotIds: readonly string[]): Map<string, SnapshotObjectRow[]> {
      const ids = JSON.stringify(snapshotIds);
      const rows =
        viewer.kind === 'operator' ? objectsOfSnapshots({ snapshotIds: ids }) : organisationObjectsOfSnapshots({ snapshotIds: ids, organisationId: viewer.organisationId });
      const bySnapshot = new Map<string, SnapshotObjectRow[]>(snapshotIds.map((id) => [id, []]));
      for (const row of rows) bySnapshot.get(row.snapshotId)?.push(row);
      return bySnapshot;
    },

    /** Records of one object as they stood at a snapshot the viewer has read; `search` matches any field value. */
    async records(snapshot: SnapshotRow, object: string, request: PageRequest & { search?: string | null }): Promise<Page<StoredRecord>> {
      const size = pageSize(request, RECORDS_PAGE_SIZE);
      await storage.requireObjects(snapshot, [object]);
      const offset = request.after ? decodeCursor('records', request.after, ['number'] as const)[0] : 0;
      const rows = await storage.state(snapshot, object, { search: request.search ?? undefined, limit: size + 1, offset });
      const positions = new Map(rows.map((row, i) => [row, offset + i + 1]));
      return pageOf(rows, size, request, (row) => encodeCursor('records', positions.get(row)!));
    },
  };
}

export type SnapshotQueries = ReturnType<typeof createSnapshotQueries>;
