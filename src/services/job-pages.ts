import type { JobReads, ListedJob } from '../../db/job-reads.ts';
import type { JobKind, JobStatus } from '../../db/schema.ts';
import type { Viewer } from './viewer.ts';
import { decodeCursor, encodeCursor, pageSize, pagesPerParent, type Page, type PageRequest } from './paging.ts';

export type { ListedJob } from '../../db/job-reads.ts';

export interface JobPageRequest extends PageRequest {
  status?: JobStatus | null;
  kind?: JobKind | null;
}

const DEFAULT_PAGE_SIZE = 20;

const cursorOf = (job: ListedJob) => encodeCursor('jobs', job.queuedAt.getTime(), job.id);

/** Newest-first pages of jobs for many parents (instances or organisations) in one statement. */
export async function jobPagesByParent(
  jobs: JobReads,
  viewer: Viewer,
  parent: 'instanceId' | 'organisationId',
  parentIds: readonly string[],
  request: JobPageRequest,
): Promise<Map<string, Page<ListedJob>>> {
  const size = pageSize(request, DEFAULT_PAGE_SIZE);
  const after = request.after ? decodeCursor('jobs', request.after, ['number', 'string'] as const) : undefined;
  const rows = await jobs.firstPerParent(parent, parentIds, {
    organisationId: viewer.kind === 'member' ? viewer.organisationId : undefined,
    status: request.status,
    kind: request.kind,
    after: after && { queuedAt: new Date(after[0]), id: after[1] },
    limit: size + 1,
  });
  return pagesPerParent(rows, parentIds, (job) => job[parent], size, request, cursorOf);
}
