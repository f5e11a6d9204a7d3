import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { firstRowsPerParent } from '../../db/rows-per-parent.ts';
import { jobs, type JobKind, type JobRow, type JobStatus } from '../../db/schema.ts';
import type { Viewer } from './viewer.ts';
import { decodeCursor, encodeCursor, pageSize, pagesPerParent, type Page, type PageRequest } from './paging.ts';

export interface JobPageRequest extends PageRequest {
  status?: JobStatus | null;
  kind?: JobKind | null;
}

const DEFAULT_PAGE_SIZE = 20;

/**
 * A job as lists show it: without its request (a restore's may hold thousands of record ids,
 * parsed from JSON on every read), its session and the worker's bookkeeping (grant, token,
 * lease, cancel request), which no field exposes.
 */
export type ListedJob = Omit<JobRow, (typeof UNLISTED)[number]>;
const UNLISTED = ['parameters', 'accessTokenCiphertext', 'grantId', 'tokenId', 'leaseOwner', 'leaseExpiresAt', 'cancelRequestedAt'] as const;

const cursorOf = (job: ListedJob) => encodeCursor('jobs', job.queuedAt.getTime(), job.id);

/** Newest-first pages of jobs for many parents (instances or organisations) in one statement. */
export function jobPagesByParent(
  db: Db,
  viewer: Viewer,
  parent: 'instanceId' | 'organisationId',
  parentIds: readonly string[],
  request: JobPageRequest,
): Map<string, Page<ListedJob>> {
  const size = pageSize(request, DEFAULT_PAGE_SIZE);
  const after = request.after ? decodeCursor('jobs', request.after, ['number', 'string'] as const) : undefined;
  const rows = firstRowsPerParent(
    db,
    jobs,
    parentIds,
    size + 1,
    (table) => ({
      parent: table[parent],
      id: table.id,
      where: and(
        viewer.kind === 'member' ? eq(table.organisationId, sql.placeholder('organisationId')) : undefined,
        request.status ? eq(table.status, sql.placeholder('status')) : undefined,
        request.kind ? eq(table.kind, sql.placeholder('kind')) : undefined,
        after
          ? or(
              lt(table.queuedAt, sql.placeholder('queuedAt')),
              and(eq(table.queuedAt, sql.placeholder('queuedAt')), lt(table.id, sql.placeholder('id'))),
            )
          : undefined,
      ),
      orderBy: [desc(table.queuedAt), desc(table.id)],
    }),
    {
      shape: [parent, viewer.kind, request.status && 'status', request.kind && 'kind', after && 'after'].join(),
      values: {
        organisationId: viewer.kind === 'member' ? viewer.organisationId : undefined,
        status: request.status,
        kind: request.kind,
        queuedAt: after?.[0],
        id: after?.[1],
      },
      omitted: UNLISTED,
    },
  );
  return pagesPerParent(rows, parentIds, (job) => job[parent], size, request, cursorOf);
}
