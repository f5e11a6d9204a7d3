import { and, asc, desc, eq, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { firstRowsPerParent } from '../../db/rows-per-parent.ts';
import { instances, snapshotObjects, snapshots, type SnapshotObjectRow, type SnapshotRow } from '../../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, pagesPerParent, type Page, type PageRequest } from './paging.ts';
import type { SnapshotService, StoredRecord } from './snapshots.ts';
import { canSeeOrganisation, organisationOf, type Viewer } from './viewer.ts';

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
      const visibleInstances =
        viewer.kind === 'member' ? db.select({ id: instances.id }).from(instances).where(organisationOf(viewer, instances.organisationId)) : undefined;
      const rows = firstRowsPerParent(db, snapshots, instanceIds, size + 1, (table) => ({
        parent: table.instanceId,
        id: table.id,
        where: and(
          isNotNull(table.completedAt),
          visibleInstances && inArray(table.instanceId, visibleInstances),
          after === undefined ? undefined : lt(table.sequence, after),
        ),
        orderBy: [desc(table.sequence)],
      }));
      return pagesPerParent(rows, instanceIds, (snapshot) => snapshot.instanceId, size, request, snapshotCursor);
    },

    /** Per-object counts of many snapshots in one statement. */
    objectsBySnapshot(viewer: Viewer, snapshotIds: readonly string[]): Map<string, SnapshotObjectRow[]> {
      const rows = db
        .select({ object: snapshotObjects, organisationId: instances.organisationId })
        .from(snapshotObjects)
        .innerJoin(snapshots, eq(snapshots.id, snapshotObjects.snapshotId))
        .innerJoin(instances, eq(instances.id, snapshots.instanceId))
        .where(inArray(snapshotObjects.snapshotId, [...snapshotIds]))
        .orderBy(asc(snapshotObjects.name))
        .all();
      const bySnapshot = new Map<string, SnapshotObjectRow[]>(snapshotIds.map((id) => [id, []]));
      for (const row of rows) if (canSeeOrganisation(viewer, row.organisationId)) bySnapshot.get(row.object.snapshotId)?.push(row.object);
      return bySnapshot;
    },

    /** Records of one object as they stood at a snapshot the viewer has read; `search` matches any field value. */
    records(snapshot: SnapshotRow, object: string, request: PageRequest & { search?: string | null }): Page<StoredRecord> {
      const size = pageSize(request, RECORDS_PAGE_SIZE);
      storage.requireObjects(snapshot, [object]);
      const offset = request.after ? decodeCursor('records', request.after, ['number'] as const)[0] : 0;
      const rows = storage.state(snapshot, object, { search: request.search ?? undefined, limit: size + 1, offset });
      const positions = new Map(rows.map((row, i) => [row, offset + i + 1]));
      return pageOf(rows, size, request, (row) => encodeCursor('records', positions.get(row)!));
    },
  };
}

export type SnapshotQueries = ReturnType<typeof createSnapshotQueries>;
