import { JOB_KINDS, JOB_STATUSES, type JobRow } from '../db/schema.ts';
import {
  InstanceNotConnectedError,
  InvalidInputError,
  NotFoundError,
  SalesforceUnavailableError,
  TokenExpiredError,
} from '../src/errors.ts';
import { jobCursor, type JobPage, type JobPageArgs } from '../src/services/job-pages.ts';
import { builder, viewerOf } from './builder.ts';
import { localId } from './ids.ts';
import { InstanceRef } from './instance.ts';

export const JobKindEnum = builder.enumType('JobKind', { values: JOB_KINDS });
export const JobStatusEnum = builder.enumType('JobStatus', { values: JOB_STATUSES });

const DEFAULT_PAGE_SIZE = 20;

export const JobRef = builder.loadableNodeRef<JobRow>('Job', {
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
    },
    resolve: (_root, args, ctx) =>
      ctx.services.jobStarter.start(viewerOf(ctx), {
        instanceId: localId(args.instanceId, 'Instance'),
        kind: 'BACKUP',
        objects: args.objects ?? [],
      }),
  }),
);
