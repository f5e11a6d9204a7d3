import { JOB_KINDS, JOB_STATUSES, type InstanceRow, type JobFailureRow, type JobRow } from '../db/schema.ts';
import {
  InstanceNotConnectedError,
  InvalidInputError,
  NotFoundError,
  SalesforceUnavailableError,
  TokenExpiredError,
} from '../src/errors.ts';
import type { ListedJob } from '../src/services/job-pages.ts';
import { builder, viewerOf } from './builder.ts';
import { batchedConnection } from './connections.ts';
import { InstanceRef } from './instance.ts';
import { nodeRef, pointedAt } from './node-ref.ts';
import { restoreOptionArgs, restoreOptions } from './restore-options.ts';
import { SnapshotRef } from './snapshot.ts';

export const JobKindEnum = builder.enumType('JobKind', { values: JOB_KINDS });
export const JobStatusEnum = builder.enumType('JobStatus', { values: JOB_STATUSES });

/** What starting a job may answer instead of the job. */
export const JOB_START_ERRORS = [TokenExpiredError, InstanceNotConnectedError, NotFoundError, InvalidInputError, SalesforceUnavailableError];

// Lists read jobs without the columns no field shows; a job read by id has them too.
export const JobRef = nodeRef<ListedJob>('Job', (services, viewer, ids) => services.jobs.byIds(viewer, ids));

export const JobConnection = builder.connectionObject({ type: JobRef, name: 'JobConnection' }, { name: 'JobEdge' });

const JobProgressRef = builder.objectRef<Pick<JobRow, 'kind' | 'processed' | 'failed' | 'total' | 'changed'>>('JobProgress').implement({
  fields: (t) => ({
    processed: t.exposeInt('processed', { description: 'Records read (backup) or written (restore) so far.' }),
    checked: t.int({
      nullable: true,
      description: 'Backups: records read from Salesforce and compared with what the service already held. Null for restores.',
      resolve: (job) => (job.kind === 'BACKUP' ? job.processed : null),
    }),
    changed: t.exposeInt('changed', {
      nullable: true,
      description:
        'Backups: of the records checked, those new or changed since the previous backup, plus records deleted or purged since. 0 when nothing changed. Null for restores (see restoreSummary) and for backups run before this was counted.',
    }),
    failed: t.exposeInt('failed', { description: 'Records Salesforce refused.' }),
    total: t.exposeInt('total', { nullable: true, description: 'Records expected, once known.' }),
    percent: t.float({
      nullable: true,
      resolve: ({ processed, failed, total }) =>
        total === null ? null : total === 0 ? 100 : Math.min(100, Math.round(((processed + failed) / total) * 1000) / 10),
    }),
  }),
});

const JobFailureRef = builder.objectRef<JobFailureRow>('JobFailure').implement({
  description: 'A record Salesforce refused during a restore, with its reason.',
  fields: (t) => ({
    object: t.exposeString('object'),
    recordId: t.exposeString('recordId', { nullable: true }),
    statusCode: t.exposeString('statusCode'),
    message: t.exposeString('message'),
  }),
});

JobRef.implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: JobKindEnum }),
    status: t.expose('status', { type: JobStatusEnum }),
    instance: t.field({ type: InstanceRef, resolve: (job, _args, _ctx, info) => pointedAt<InstanceRow>(job.instanceId, info) }),
    objects: t.exposeStringList('objects'),
    progress: t.field({ type: JobProgressRef, resolve: (job) => job }),
    apiCalls: t.exposeInt('apiCalls', { description: 'Salesforce API calls the job has made.' }),
    error: t.exposeString('error', { nullable: true }),
    queuedAt: t.expose('queuedAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    snapshot: t.field({
      type: SnapshotRef,
      nullable: true,
      description: "A backup's snapshot once complete, or the snapshot a restore reads.",
      resolve: (job) => job.snapshotId,
    }),
    warnings: t.exposeStringList('warnings'),
    failures: t.connection(
      {
        type: JobFailureRef,
        description: 'Records Salesforce refused, in the order they were reported.',
        resolve: (job, args, ctx) =>
          batchedConnection(ctx, 'Job.failures', args, job.id, (ids, request) => ctx.services.jobs.failurePagesByJob(viewerOf(ctx), ids, request)),
      },
      { name: 'JobFailureConnection' },
      { name: 'JobFailureEdge' },
    ),
  }),
});

builder.queryField('job', (t) =>
  t.field({
    type: JobRef,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.jobs.get(viewerOf(ctx), JobRef.idFrom(id)),
  }),
);

builder.mutationFields((t) => ({
  startBackup: t.field({
    type: JobRef,
    description: 'Queues a backup of the instance, using one of its tokens. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: { types: JOB_START_ERRORS },
    args: {
      instanceId: t.arg.globalID({ required: true }),
      objects: t.arg.stringList({ description: 'Object API names; every eligible object when omitted or empty.' }),
      full: t.arg.boolean({ description: 'Copy everything even when an incremental backup would do.' }),
    },
    resolve: (_root, args, ctx) => ctx.services.jobs.startBackup(viewerOf(ctx), InstanceRef.idFrom(args.instanceId), args.objects ?? [], args.full ?? false),
  }),
  startRestore: t.field({
    type: JobRef,
    description:
      'Queues a restore of a snapshot (all of it, some objects, or some records), using one token (none for a dry run). With includeChildren, records that point at the chosen ones are restored too, in whatever object they are. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: { types: JOB_START_ERRORS },
    args: {
      snapshotId: t.arg.globalID({ required: true }),
      ...restoreOptionArgs(t.arg),
      recordIds: t.arg.idList({ description: 'Salesforce ids of the records to restore; all when omitted or empty.' }),
      includeChildren: t.arg.boolean({ defaultValue: false, description: 'Also restore records that point at the chosen ones, five levels down.' }),
      targetInstanceId: t.arg.globalID({ description: 'Another instance of the same organisation (e.g. a sandbox seeded from production).' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.jobs.startRestore(viewerOf(ctx), {
        snapshotId: SnapshotRef.idFrom(args.snapshotId),
        targetInstanceId: args.targetInstanceId ? InstanceRef.idFrom(args.targetInstanceId) : undefined,
        ...restoreOptions(args),
        recordIds: args.recordIds ?? [],
        includeChildren: args.includeChildren ?? false,
      }),
  }),
  cancelJob: t.field({
    type: JobRef,
    description: 'Stops a queued job at once and a running one within seconds. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: { types: [NotFoundError, InvalidInputError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.jobs.cancel(viewerOf(ctx), JobRef.idFrom(id)),
  }),
}));
