import { SNAPSHOT_OBJECT_STATES, type SnapshotObjectRow, type SnapshotRow } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import { builder, viewerOf } from './builder.ts';
import { NO_CACHE } from './loaders.ts';
import { localId } from './ids.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';

const MAX_PAGE = 100;

function pageSize(first: number | null | undefined, fallback: number) {
  const size = first ?? fallback;
  if (size < 0 || size > MAX_PAGE) throw new InvalidInputError(`first must be between 0 and ${MAX_PAGE}`, 'first');
  return size;
}

const cursorNumber = (cursor: string | null | undefined) => {
  if (!cursor) return undefined;
  const value = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(value)) throw new InvalidInputError('after is not a cursor of this list', 'after');
  return value;
};
const toCursor = (value: number) => Buffer.from(String(value)).toString('base64url');

export const SnapshotRef = builder.loadableNodeRef<SnapshotRow>('Snapshot', {
  loaderOptions: NO_CACHE,
  id: { resolve: (snapshot) => snapshot.id },
  load: async (ids, ctx) => ctx.services.snapshots.byIds(viewerOf(ctx), ids),
  sort: (snapshot) => snapshot.id,
});

const SnapshotObjectStateEnum = builder.enumType('SnapshotObjectState', {
  values: SNAPSHOT_OBJECT_STATES,
  description: 'COMPLETE: every record was copied; SKIPPED: Salesforce refused the object (see reason).',
});

const SnapshotObjectRef = builder.objectRef<SnapshotObjectRow>('SnapshotObject').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    recordCount: t.exposeInt('recordCount', { description: 'Records that existed in the org at the snapshot.' }),
    deletedCount: t.exposeInt('deletedCount', { description: "Records in the org's recycle bin at the snapshot." }),
    state: t.expose('state', { type: SnapshotObjectStateEnum }),
    reason: t.exposeString('reason', { nullable: true, description: "Salesforce's reason when the object was skipped." }),
    blobCount: t.exposeInt('blobCount', { description: 'Files (base64 fields such as Attachment.Body) the records hold.' }),
    blobBytes: t.exposeFloat('blobBytes', { description: 'Total size of those files, in bytes.' }),
  }),
});

const SnapshotRecordRef = builder.objectRef<{ object: string; recordId: string; deleted: boolean; data: unknown }>('SnapshotRecord').implement({
  fields: (t) => ({
    id: t.exposeString('recordId', { description: 'The Salesforce record id at the time.' }),
    object: t.exposeString('object'),
    deleted: t.exposeBoolean('deleted'),
    fields: t.field({ type: 'JSON', resolve: (record) => record.data }),
  }),
});

const SnapshotRecordPageRef = builder
  .objectRef<{ records: { object: string; recordId: string; deleted: boolean; data: unknown }[]; endCursor: string | null; hasNextPage: boolean }>('SnapshotRecordPage')
  .implement({
    fields: (t) => ({
      records: t.field({ type: [SnapshotRecordRef], resolve: (page) => page.records }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

export const SnapshotPageRef = builder
  .objectRef<{ snapshots: SnapshotRow[]; endCursor: string | null; hasNextPage: boolean }>('SnapshotPage')
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [SnapshotRef], resolve: (page) => page.snapshots }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

/** Complete snapshots of an instance, newest first. */
export function snapshotPage(
  snapshots: { listForInstance: (instanceId: string, first: number, beforeSequence?: number) => SnapshotRow[] },
  instanceId: string,
  args: { first?: number | null; after?: string | null },
) {
  const first = pageSize(args.first, 20);
  const rows = snapshots.listForInstance(instanceId, first, cursorNumber(args.after));
  const page = rows.slice(0, first);
  return { snapshots: page, hasNextPage: rows.length > first, endCursor: page.length ? toCursor(page.at(-1)!.sequence) : null };
}

SnapshotRef.implement({
  description: 'The state of an instance\'s records at one backup.',
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (snapshot) => snapshot.instanceId }),
    job: t.field({ type: JobRef, resolve: (snapshot) => snapshot.jobId }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    incremental: t.boolean({ resolve: (snapshot) => snapshot.baseSnapshotId !== null }),
    objects: t.field({
      type: [SnapshotObjectRef],
      resolve: (snapshot, _args, ctx) => ctx.services.snapshots.objectsOf([snapshot.id]),
    }),
    recordCount: t.int({
      resolve: (snapshot, _args, ctx) => ctx.services.snapshots.objectsOf([snapshot.id]).reduce((sum, o) => sum + o.recordCount, 0),
    }),
    records: t.field({
      type: SnapshotRecordPageRef,
      description: 'Records of one object at the snapshot, to find the ones to restore. `search` matches any field value.',
      args: {
        object: t.arg.string({ required: true }),
        search: t.arg.string(),
        first: t.arg.int(),
        after: t.arg.string(),
      },
      resolve: (snapshot, args, ctx) => {
        const first = pageSize(args.first, 50);
        ctx.services.snapshots.requireObjects(snapshot, [args.object]);
        const start = cursorNumber(args.after) ?? 0;
        const rows = ctx.services.snapshots.state(snapshot, args.object, { search: args.search ?? undefined, limit: first + 1, offset: start });
        const records = rows.slice(0, first);
        return { records, hasNextPage: rows.length > first, endCursor: records.length ? toCursor(start + records.length) : null };
      },
    }),
  }),
});

builder.queryField('snapshot', (t) =>
  t.field({
    type: SnapshotRef,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.snapshots.get(viewerOf(ctx), localId(id, 'Snapshot')),
  }),
);
