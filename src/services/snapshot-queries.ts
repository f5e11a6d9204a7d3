import type { SnapshotObjectRow, SnapshotRow } from '../../db/schema.ts';
import type { SnapshotListing } from '../../db/snapshot-listing.ts';
import { NotFoundError } from '../errors.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, pagesPerParent, type Page, type PageRequest } from './paging.ts';
import type { SnapshotService, StoredRecord } from './snapshots.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

const SNAPSHOTS_PAGE_SIZE = 20;
const RECORDS_PAGE_SIZE = 50;
const snapshotCursor = (snapshot: SnapshotRow) => encodeCursor('snapshots', snapshot.sequence);
const recordCursor = (record: StoredRecord) => encodeCursor('records', record.recordId);

/** What a viewer may read of snapshots: complete ones of the organisations it can see. */
export function createSnapshotQueries(listing: SnapshotListing, storage: SnapshotService) {
  const visible = async (viewer: Viewer, ids: readonly string[]): Promise<SnapshotRow[]> =>
    (await listing.completeByIds(ids)).filter((row) => canSeeOrganisation(viewer, row.organisationId)).map((row) => row.snapshot);

  return {
    byIds: visible,

    async get(viewer: Viewer, id: string): Promise<SnapshotRow> {
      const [snapshot] = await visible(viewer, [id]);
      if (!snapshot) throw new NotFoundError('Snapshot', id);
      return snapshot;
    },

    /** Complete snapshots of each instance, newest first, in one statement for all of them. */
    async pagesByInstance(viewer: Viewer, instanceIds: readonly string[], request: PageRequest): Promise<Map<string, Page<SnapshotRow>>> {
      const size = pageSize(request, SNAPSHOTS_PAGE_SIZE);
      const after = request.after ? decodeCursor('snapshots', request.after, ['number'] as const)[0] : undefined;
      const rows = await listing.completePerInstance(instanceIds, { organisationId: viewer.kind === 'member' ? viewer.organisationId : undefined, after, limit: size + 1 });
      return pagesPerParent(rows, instanceIds, (snapshot) => snapshot.instanceId, size, request, snapshotCursor);
    },

    /** Per-object counts of many snapshots in one statement. */
    async objectsBySnapshot(viewer: Viewer, snapshotIds: readonly string[]): Promise<Map<string, SnapshotObjectRow[]>> {
      const rows = await listing.objectsOf(snapshotIds, viewer.kind === 'member' ? viewer.organisationId : undefined);
      const bySnapshot = new Map<string, SnapshotObjectRow[]>(snapshotIds.map((id) => [id, []]));
      for (const row of rows) bySnapshot.get(row.snapshotId)?.push(row);
      return bySnapshot;
    },

    /**
     * Records of one object as they stood at a snapshot the viewer has read; `search` matches any
     * field value. The cursor is a record id: a page reads on from it, however deep. A search's
     * page can come back short, with a next page, where it stopped opening records.
     */
    async records(snapshot: SnapshotRow, object: string, request: PageRequest & { search?: string | null }): Promise<Page<StoredRecord>> {
      const size = pageSize(request, RECORDS_PAGE_SIZE);
      await storage.requireObjects(snapshot, [object]);
      const after = request.after ? decodeCursor('records', request.after, ['string'] as const)[0] : undefined;
      if (!request.search) return pageOf(await storage.state(snapshot, object, { limit: size + 1, after }), size, request, recordCursor);
      const { found, stoppedAfter } = await storage.search(snapshot, object, request.search, { limit: size + 1, after });
      const page = pageOf(found, size, request, recordCursor);
      return stoppedAfter === undefined ? page : { ...page, hasNextPage: true, endCursor: encodeCursor('records', stoppedAfter) };
    },

    /** One record of one object as a snapshot the viewer has read holds it, or null. */
    async record(snapshot: SnapshotRow, object: string, recordId: string): Promise<StoredRecord | null> {
      await storage.requireObjects(snapshot, [object]);
      return storage.record(snapshot, object, recordId);
    },
  };
}

export type SnapshotQueries = ReturnType<typeof createSnapshotQueries>;
