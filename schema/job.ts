import { JOB_KINDS, JOB_STATUSES, type JobFailureRow, type JobRow } from '../db/schema.ts';
import {
  InstanceNotConnectedError,
  InvalidInputError,
  NotFoundError,
  SalesforceUnavailableError,
  TokenExpiredError,
} from '../src/errors.ts';
import { jobCursor, MAX_PAGE_SIZE, type JobPage, type JobPageArgs } from '../src/services/job-pages.ts';
import { builder, viewerOf } from './builder.ts';
import { NO_CACHE } from './loaders.ts';
import { localId } from './ids.ts';
import { InstanceRef } from './instance.ts';
import { SnapshotRef } from './snapshot.ts';

export const JobKindEnum = builder.enumType('JobKind', { values: JOB_KINDS });
export const JobStatusEnum = builder.enumType('JobStatus', { values: JOB_STATUSES });

const DEFAULT_PAGE_SIZE = 20;

export const JobRef = builder.loadableNodeRef<JobRow>('Job', {
  loaderOptions: NO_CACHE,
  id: { resolve: (job) => job.id },
  load: async (ids, ctx) => ctx.services.jobs.byIds(viewerOf(ctx), ids),
  sort: (job) => job.id,
});

const JobProgressRef = builder.objectRef<Pick<JobRow, 'processed' | 'failed' | 'total'>>('JobProgress').implement({
  fields: (t) => ({
    processed: t.exposeInt('processed', { description: 'Records read (backup) or written (restore) so far.' }),
    failed: t.exposeInt('failed', { description: 'Records Salesforce refused.' }),
    total: t.exposeInt('total', { nullable: true, description: 'Records expected, once known.' }),
    percent: t.float({
      nullable: true,
      resolve: ({ processed, failed, total }) =>
        total === null ? null : total === 0 ? 100 : Math.min(100, Math.round(((processed + failed) / total) * 1000) / 10),
    }),
  }),
});

JobRef.implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: JobKindEnum }),
    status: t.expose('status', { type: JobStatusEnum }),
    instance: t.field({ type: InstanceRef, resolve: (job) => job.instanceId }),
    objects: t.exposeStringList('objects'),
    progress: t.field({ type: JobProgressRef, resolve: (job) => job }),
    apiCalls: t.exposeInt('apiCalls', { description: 'Salesforce API calls the job has made.' }),
    error: t.exposeString('error', { nullable: true }),
    queuedAt: t.expose('queuedAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const JobConnection = builder.connectionObject({ type: JobRef, name: 'JobConnection' }, { name: 'JobEdge' });

type ConnectionArgs = { first?: number | null; after?: string | null };

function pageArgs(args: ConnectionArgs & Partial<Pick<JobPageArgs, 'status' | 'kind'>>): JobPageArgs {
  return { first: args.first ?? DEFAULT_PAGE_SIZE, after: args.after, status: args.status, kind: args.kind };
}

function toConnection(page: JobPage, args: JobPageArgs) {
  const edges = page.rows.map((job) => ({ cursor: jobCursor(job), node: job }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * Newest-first job lists of many parents from one batch of pages, so the lists of every parent
 * in a response cost one statement.
 */
export async function jobConnections(
  parentIds: string[],
  args: ConnectionArgs & Partial<Pick<JobPageArgs, 'status' | 'kind'>>,
  loadPages: (parentIds: string[], args: JobPageArgs) => Map<string, JobPage>,
) {
  const normalised = pageArgs(args);
  const pages = loadPages(parentIds, normalised);
  return parentIds.map((id) => toConnection(pages.get(id)!, normalised));
}

builder.queryField('job', (t) =>
  t.field({
    type: JobRef,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.jobs.get(viewerOf(ctx), localId(id, 'Job')),
  }),
);

builder.mutationField('startBackup', (t) =>
  t.field({
    type: JobRef,
    description: 'Queues a backup of the instance, using one of its tokens. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: {
      types: [TokenExpiredError, InstanceNotConnectedError, NotFoundError, InvalidInputError, SalesforceUnavailableError],
    },
    args: {
      instanceId: t.arg.globalID({ required: true }),
      objects: t.arg.stringList({ description: 'Object API names; every eligible object when omitted or empty.' }),
      full: t.arg.boolean({ description: 'Copy everything even when an incremental backup would do.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.jobs.startBackup(viewerOf(ctx), localId(args.instanceId, 'Instance'), args.objects ?? [], args.full ?? false),
  }),
);

const JobFailureRef = builder.objectRef<JobFailureRow>('JobFailure').implement({
  description: 'A record Salesforce refused during a restore, with its reason.',
  fields: (t) => ({
    object: t.exposeString('object'),
    recordId: t.exposeString('recordId', { nullable: true }),
    statusCode: t.exposeString('statusCode'),
    message: t.exposeString('message'),
  }),
});

const JobFailurePageRef = builder
  .objectRef<{ failures: JobFailureRow[]; endCursor: string | null; hasNextPage: boolean }>('JobFailurePage')
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [JobFailureRef], resolve: (page) => page.failures }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

builder.objectFields(JobRef, (t) => ({
  snapshot: t.field({
    type: SnapshotRef,
    nullable: true,
    description: "A backup's snapshot once complete, or the snapshot a restore reads.",
    resolve: (job) => job.snapshotId ?? (job.parameters.snapshotId as string | undefined) ?? null,
  }),
  warnings: t.exposeStringList('warnings'),
  failures: t.field({
    type: JobFailurePageRef,
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: (job, args, ctx) => {
      const first = args.first ?? 50;
      if (first < 0 || first > MAX_PAGE_SIZE) throw new InvalidInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
      const after = args.after ? Number(Buffer.from(args.after, 'base64url').toString('utf8')) : 0;
      const rows = ctx.services.jobs.failures(job.id, first, Number.isInteger(after) ? after : 0);
      const failures = rows.slice(0, first);
      const last = failures.at(-1);
      return { failures, hasNextPage: rows.length > first, endCursor: last ? Buffer.from(String(last.id)).toString('base64url') : null };
    },
  }),
}));

builder.mutationFields((t) => ({
  startRestore: t.field({
    type: JobRef,
    description:
      'Queues a restore of a snapshot (all of it, some objects, or some records), using one token (none for a dry run). With includeChildren, records that point at the chosen ones are restored too, in whatever object they are. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: {
      types: [TokenExpiredError, InstanceNotConnectedError, NotFoundError, InvalidInputError, SalesforceUnavailableError],
    },
    args: {
      snapshotId: t.arg.globalID({ required: true }),
      objects: t.arg.stringList({ description: 'Objects to restore; all of the snapshot when omitted or empty.' }),
      recordIds: t.arg.idList({ description: 'Salesforce ids of the records to restore; all when omitted or empty.' }),
      overwrite: t.arg.boolean({ defaultValue: true, description: 'When false, records changed since the snapshot are left as they are.' }),
      includeChildren: t.arg.boolean({ defaultValue: false, description: 'Also restore records that point at the chosen ones, five levels down.' }),
      targetInstanceId: t.arg.globalID({ description: 'Another instance of the same organisation (e.g. a sandbox seeded from production).' }),
      dryRun: t.arg.boolean({
        defaultValue: false,
        description: 'Work out what would be undeleted, created, updated or left unchanged (Job.restoreSummary), writing nothing and using no token.',
      }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.jobs.startRestore(viewerOf(ctx), {
        snapshotId: localId(args.snapshotId, 'Snapshot'),
        targetInstanceId: args.targetInstanceId ? localId(args.targetInstanceId, 'Instance') : undefined,
        objects: args.objects ?? [],
        recordIds: args.recordIds ?? [],
        overwrite: args.overwrite ?? true,
        includeChildren: args.includeChildren ?? false,
        dryRun: args.dryRun ?? false,
      }),
  }),
  cancelJob: t.field({
    type: JobRef,
    description: 'Stops a queued job at once and a running one within seconds. Role OPERATOR.',
    authScopes: { role: 'OPERATOR' },
    errors: { types: [NotFoundError, InvalidInputError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.jobs.cancel(viewerOf(ctx), localId(id, 'Job')),
  }),
}));
