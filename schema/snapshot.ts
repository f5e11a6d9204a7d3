import { SNAPSHOT_OBJECT_STATES, type SnapshotObjectRow } from '../db/schema.ts';
import { NotFoundError } from '../src/errors.ts';
import { SEARCH_OPENED_PER_PAGE, type StoredRecord } from '../src/services/snapshots.ts';
import { builder, viewerOf } from './builder.ts';
import { forwardPage, toConnection } from './connections.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';
import { snapshotObjectsLoader } from './loaders.ts';
import { nodeRef } from './node-ref.ts';

export const SnapshotRef = nodeRef('Snapshot', (services, viewer, ids) => services.snapshots.byIds(viewer, ids));

export const SnapshotConnection = builder.connectionObject({ type: SnapshotRef, name: 'SnapshotConnection' }, { name: 'SnapshotEdge' });

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

const SnapshotRecordRef = builder.objectRef<StoredRecord>('SnapshotRecord').implement({
  fields: (t) => ({
    id: t.exposeString('recordId', { description: 'The Salesforce record id at the time.' }),
    object: t.exposeString('object'),
    deleted: t.exposeBoolean('deleted'),
    fields: t.field({ type: 'JSON', resolve: (record) => record.data }),
  }),
});

SnapshotRef.implement({
  description: "The state of an instance's records at one backup.",
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (snapshot) => snapshot.instanceId }),
    job: t.field({ type: JobRef, resolve: (snapshot) => snapshot.jobId }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    incremental: t.boolean({ resolve: (snapshot) => snapshot.baseSnapshotId !== null }),
    objects: t.field({
      type: [SnapshotObjectRef],
      resolve: (snapshot, _args, ctx) => snapshotObjectsLoader(ctx).load(snapshot.id),
    }),
    recordCount: t.int({
      resolve: async (snapshot, _args, ctx) =>
        (await snapshotObjectsLoader(ctx).load(snapshot.id)).reduce((sum, object) => sum + object.recordCount, 0),
    }),
    records: t.connection(
      {
        type: SnapshotRecordRef,
        description: `Records of one object at the snapshot, in id order, to find the ones to restore. \`search\` matches any field value; a search opens at most ${SEARCH_OPENED_PER_PAGE.toLocaleString('en')} records a request, so its page can come back short (even empty) with \`hasNextPage\`, and \`endCursor\` searches on.`,
        args: { object: t.arg.string({ required: true }), search: t.arg.string() },
        resolve: async (snapshot, args, ctx) =>
          toConnection(await ctx.services.snapshots.records(snapshot, args.object, { ...forwardPage(args), search: args.search })),
      },
      { name: 'SnapshotRecordConnection' },
      { name: 'SnapshotRecordEdge' },
    ),
    record: t.field({
      type: SnapshotRecordRef,
      nullable: true,
      description: 'One record of one object as the snapshot holds it, deleted or not; null when it holds none by that id.',
      args: { object: t.arg.string({ required: true }), id: t.arg.string({ required: true }) },
      resolve: (snapshot, args, ctx) => ctx.services.snapshots.record(snapshot, args.object, args.id),
    }),
  }),
});

builder.queryField('snapshot', (t) =>
  t.field({
    type: SnapshotRef,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.snapshots.get(viewerOf(ctx), SnapshotRef.idFrom(id)),
  }),
);
