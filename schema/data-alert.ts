import type { DataAlertObjectValue } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import type { DataAlertThreshold } from '../src/services/data-alerts.ts';
import { builder, viewerOf } from './builder.ts';
import { SnapshotComparisonRef } from './compare.ts';
import { forwardPage, toConnection } from './connections.ts';
import { InstanceRef } from './instance.ts';
import { JOB_START_ERRORS, JobRef } from './job.ts';
import { nodeRef } from './node-ref.ts';
import { OrganisationRef } from './organisation.ts';
import { restoreOptionArgs, restoreOptions } from './restore-options.ts';
import { SnapshotRef } from './snapshot.ts';

export const DataAlertRef = nodeRef('DataAlert', (services, viewer, ids) => services.dataAlerts.byIds(viewer, ids));

const DataAlertThresholdRef = builder.objectRef<DataAlertThreshold>('DataAlertThreshold').implement({
  description: 'A backup raises an alert for an object when its deleted and changed records reach both figures.',
  fields: (t) => ({
    percent: t.exposeFloat('percent', { description: "Share of the object's records at the previous backup." }),
    minRecords: t.exposeInt('minRecords'),
  }),
});

const DataAlertObjectRef = builder.objectRef<DataAlertObjectValue>('DataAlertObject').implement({
  fields: (t) => ({
    object: t.exposeString('object'),
    previousCount: t.exposeInt('previousCount', { description: 'Live records at the previous backup.' }),
    created: t.exposeInt('created'),
    updated: t.exposeInt('updated'),
    deleted: t.exposeInt('deleted'),
    percent: t.float({
      description: 'Deleted and updated records as a share of previousCount.',
      resolve: (o) => Math.round(((o.deleted + o.updated) * 1000) / o.previousCount) / 10,
    }),
  }),
});

DataAlertRef.implement({
  description: 'A backup found a large share of some objects deleted or changed since the previous backup.',
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (alert) => alert.instanceId }),
    snapshot: t.field({ type: SnapshotRef, description: 'The backup that found the changes.', resolve: (alert) => alert.snapshotId }),
    previousSnapshot: t.field({
      type: SnapshotRef,
      description: 'The backup before: what a restore of the alert brings back.',
      resolve: (alert) => alert.previousSnapshotId,
    }),
    objects: t.field({ type: [DataAlertObjectRef], description: 'The objects past the threshold.', resolve: (alert) => alert.objects }),
    threshold: t.field({ type: DataAlertThresholdRef, resolve: (alert) => ({ percent: alert.percent, minRecords: alert.minRecords }) }),
    comparison: t.field({
      type: SnapshotComparisonRef,
      description: 'The previous snapshot compared with this one.',
      resolve: (alert, _args, ctx) => ctx.services.dataAlerts.comparisonOf(viewerOf(ctx), alert),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    acknowledgedBy: t.exposeString('acknowledgedBy', { nullable: true, description: 'The name of the key that acknowledged it.' }),
  }),
});

builder.objectFields(InstanceRef, (t) => ({
  dataAlerts: t.connection(
    {
      type: DataAlertRef,
      description: 'Mass-change alerts raised by backups, newest first.',
      args: { unacknowledged: t.arg.boolean({ defaultValue: false }) },
      resolve: async (instance, args, ctx) =>
        toConnection(await ctx.services.dataAlerts.pageForInstance(viewerOf(ctx), instance.id, { ...forwardPage(args), unacknowledged: args.unacknowledged })),
    },
    { name: 'DataAlertConnection' },
    { name: 'DataAlertEdge' },
  ),
  dataAlertThreshold: t.field({
    type: DataAlertThresholdRef,
    description: 'When a backup raises an alert (10 % and at least 100 records unless set).',
    resolve: (instance, _args, ctx) => ctx.services.dataAlerts.thresholdOf(instance.id),
  }),
}));

builder.mutationFields((t) => ({
  acknowledgeDataAlert: t.field({
    type: DataAlertRef,
    description: 'Marks an alert as seen to. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.dataAlerts.acknowledge(viewerOf(ctx), DataAlertRef.idFrom(id)),
  }),
  setDataAlertThreshold: t.field({
    type: InstanceRef,
    description: "Sets when the instance's backups raise an alert. Role ADMIN.",
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError, InvalidInputError] },
    args: {
      instanceId: t.arg.globalID({ required: true }),
      percent: t.arg.float({ required: true, description: "Share of an object's records, more than 0 and at most 100." }),
      minRecords: t.arg.int({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.dataAlerts.setThreshold(viewerOf(ctx), InstanceRef.idFrom(args.instanceId), { percent: args.percent, minRecords: args.minRecords }),
  }),
  restoreDataAlert: t.field({
    type: JobRef,
    description:
      'Queues a restore, from the snapshot before the alert, of exactly the records it counts as deleted or updated (in the objects named, or all of its objects). Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: { types: JOB_START_ERRORS },
    args: {
      id: t.arg.globalID({ required: true }),
      ...restoreOptionArgs(t.arg),
    },
    resolve: (_root, args, ctx) => ctx.services.dataAlerts.restore(viewerOf(ctx), DataAlertRef.idFrom(args.id), restoreOptions(args)),
  }),
}));

builder.subscriptionField('dataAlert', (t) =>
  t.field({
    type: DataAlertRef,
    description: "A backup raised a mass-change alert, or one was acknowledged. organisationId defaults to the key's own; the operator key must name one.",
    args: { organisationId: t.arg.globalID() },
    subscribe: (_root, args, ctx) =>
      ctx.services.subscriptions.subscribe(viewerOf(ctx), 'dataAlert', args.organisationId ? OrganisationRef.idFrom(args.organisationId) : undefined),
    resolve: (alert) => alert,
  }),
);
