import { CHANGE_KINDS } from '../db/snapshot-changes.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import type { Comparison, FieldChange, ObjectChanges, RecordChange } from '../src/services/compare.ts';
import { builder, viewerOf } from './builder.ts';
import { forwardPage, toConnection } from './connections.ts';
import { SnapshotRef } from './snapshot.ts';

export const ChangeKindEnum = builder.enumType('ChangeKind', {
  values: CHANGE_KINDS,
  description: 'CREATED: live in `to` only; UPDATED: live in both with other contents; DELETED: live in `from` only (deleted or purged in `to`).',
});

const ObjectChangesRef = builder.objectRef<ObjectChanges>('ObjectChanges').implement({
  fields: (t) => ({
    object: t.exposeString('object'),
    created: t.exposeInt('created'),
    updated: t.exposeInt('updated'),
    deleted: t.exposeInt('deleted'),
  }),
});

const FieldChangeRef = builder.objectRef<FieldChange>('FieldChange').implement({
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The API name.' }),
    old: t.field({ type: 'JSON', nullable: true, resolve: (change) => change.old }),
    new: t.field({ type: 'JSON', nullable: true, resolve: (change) => change.new }),
  }),
});

const RecordChangeRef = builder.objectRef<RecordChange>('RecordChange').implement({
  fields: (t) => ({
    object: t.exposeString('object'),
    recordId: t.exposeString('recordId'),
    kind: t.expose('kind', { type: ChangeKindEnum }),
    fields: t.field({ type: [FieldChangeRef], description: 'Fields whose values differ, by API name.', resolve: (change) => change.fields }),
    restoreFrom: t.field({
      type: SnapshotRef,
      description: 'The snapshot to restore the record from to undo the change (`to` for a created record).',
      resolve: (change) => change.restoreFrom,
    }),
  }),
});

export const SnapshotComparisonRef = builder.objectRef<Comparison>('SnapshotComparison').implement({
  description: 'What changed from one snapshot of an instance to another, from the stored content hashes.',
  fields: (t) => ({
    from: t.field({ type: SnapshotRef, resolve: (comparison) => comparison.from }),
    to: t.field({ type: SnapshotRef, resolve: (comparison) => comparison.to }),
    comparedObjects: t.stringList({
      description: 'Objects both snapshots hold complete; the others cannot be compared.',
      resolve: (comparison) => comparison.objects,
    }),
    objects: t.field({
      type: [ObjectChangesRef],
      description: 'Created, updated and deleted records per object that has any.',
      resolve: (comparison, _args, ctx) => ctx.services.compare.counts(comparison),
    }),
    changes: t.connection(
      {
        type: RecordChangeRef,
        description: 'Changed records in object and id order, with their field changes.',
        args: { object: t.arg.string(), kinds: t.arg({ type: [ChangeKindEnum] }) },
        resolve: async (comparison, args, ctx) =>
          toConnection(await ctx.services.compare.changes(comparison, { ...forwardPage(args), object: args.object, kinds: args.kinds })),
      },
      { name: 'RecordChangeConnection' },
      { name: 'RecordChangeEdge' },
    ),
  }),
});

builder.queryField('compareSnapshots', (t) =>
  t.field({
    type: SnapshotComparisonRef,
    errors: { types: [NotFoundError, InvalidInputError] },
    description: 'Compares two snapshots of one instance, in either order: `from` is the state changes are counted from.',
    args: { from: t.arg.globalID({ required: true }), to: t.arg.globalID({ required: true }) },
    resolve: (_root, args, ctx) => ctx.services.compare.compare(viewerOf(ctx), SnapshotRef.idFrom(args.from), SnapshotRef.idFrom(args.to)),
  }),
);
