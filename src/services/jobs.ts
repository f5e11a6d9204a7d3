import type { JobReads } from '../../db/job-reads.ts';
import type { JobFailureRow, JobRow } from '../../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { InstanceService } from './instances.ts';
import { jobPagesByParent, type JobPageRequest } from './job-pages.ts';
import type { JobStarter } from './job-starter.ts';
import { decodeCursor, encodeCursor, pageSize, pagesPerParent, type Page, type PageRequest } from './paging.ts';
import type { SnapshotQueries } from './snapshot-queries.ts';
import type { SnapshotService } from './snapshots.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

/** What every way of starting a restore lets the caller choose. */
export interface RestoreOptions {
  /** Empty: every object the restore covers. */
  objects: string[];
  overwrite: boolean;
  /** Reads the org and reports what would change, writing nothing and using no token. */
  dryRun: boolean;
}

export interface RestoreRequest extends RestoreOptions {
  snapshotId: string;
  /** Defaults to the snapshot's own instance; another instance of the same organisation is allowed. */
  targetInstanceId?: string;
  recordIds: string[];
  includeChildren: boolean;
}

/** How the jobs service reaches the worker that runs what it queues. */
export interface JobRunner {
  /** Stops a queued job at once and a running one at its next checkpoint. */
  cancel(jobId: string): Promise<void>;
}

interface Dependencies {
  jobs: JobReads;
  instances: InstanceService;
  snapshots: SnapshotQueries;
  snapshotStorage: SnapshotService;
  starter: JobStarter;
  runner: JobRunner;
}

const FAILURES_PAGE_SIZE = 50;
const failureCursor = (failure: JobFailureRow) => encodeCursor('failures', failure.id);

export function createJobService({ jobs, instances, snapshots, snapshotStorage, starter, runner }: Dependencies) {
  const byIds = async (viewer: Viewer, ids: readonly string[]): Promise<JobRow[]> =>
    (await jobs.byIds(ids)).filter((row) => canSeeOrganisation(viewer, row.organisationId));

  const get = async (viewer: Viewer, id: string): Promise<JobRow> => {
    const [job] = await byIds(viewer, [id]);
    if (!job) throw new NotFoundError('Job', id);
    return job;
  };

  return {
    byIds,
    get,

    pagesByInstance: (viewer: Viewer, instanceIds: readonly string[], request: JobPageRequest) =>
      jobPagesByParent(jobs, viewer, 'instanceId', instanceIds, request),

    pagesByOrganisation: (viewer: Viewer, organisationIds: readonly string[], request: JobPageRequest) =>
      jobPagesByParent(jobs, viewer, 'organisationId', organisationIds, request),

    /** Records Salesforce refused, in the order they were reported, for many jobs in one statement. */
    async failurePagesByJob(viewer: Viewer, jobIds: readonly string[], request: PageRequest): Promise<Map<string, Page<JobFailureRow>>> {
      const size = pageSize(request, FAILURES_PAGE_SIZE);
      const after = request.after ? decodeCursor('failures', request.after, ['number'] as const)[0] : undefined;
      const rows = await jobs.failuresPerJob(jobIds, { organisationId: viewer.kind === 'member' ? viewer.organisationId : undefined, after, limit: size + 1 });
      return pagesPerParent(rows, jobIds, (failure) => failure.jobId, size, request, failureCursor);
    },

    startBackup(viewer: Viewer, instanceId: string, objects: string[], full: boolean): Promise<JobRow> {
      requireDistinct('objects', objects);
      return starter.start(viewer, { instanceId, objects, parameters: { kind: 'BACKUP', full } });
    },

    /** Checks everything that needs no Salesforce call before a token is used. */
    async startRestore(viewer: Viewer, request: RestoreRequest): Promise<JobRow> {
      requireDistinct('objects', request.objects);
      requireDistinct('recordIds', request.recordIds);
      const snapshot = await snapshots.get(viewer, request.snapshotId);
      const source = await instances.get(viewer, snapshot.instanceId);
      const target = request.targetInstanceId ? await instances.get(viewer, request.targetInstanceId) : source;
      if (target.organisationId !== source.organisationId) {
        throw new InvalidInputError('A snapshot restores only to an instance of its own organisation', 'targetInstanceId');
      }
      const objects = await snapshotStorage.requireObjects(snapshot, request.objects);
      if (request.recordIds.length > 0) {
        const unknown = await snapshotStorage.missingRecordIds(snapshot, objects, request.recordIds);
        if (unknown.length > 0) throw new InvalidInputError(`Records not in the snapshot: ${listed(unknown)}`, 'recordIds', unknown);
      }
      const { snapshotId, recordIds, overwrite, includeChildren, dryRun } = request;
      return starter.start(viewer, {
        instanceId: target.id,
        objects,
        snapshotId,
        parameters: { kind: 'RESTORE', snapshotId, objects, recordIds, overwrite, includeChildren, dryRun },
        spendsToken: !dryRun,
      });
    },

    async cancel(viewer: Viewer, id: string): Promise<JobRow> {
      const job = await get(viewer, id);
      if (job.status !== 'QUEUED' && job.status !== 'RUNNING') {
        throw new InvalidInputError(`The job is already ${job.status.toLowerCase()}`, 'id');
      }
      await runner.cancel(job.id);
      return await get(viewer, id);
    },
  };
}

/** The first few values of a list that may be long; `values` on the error holds them all. */
function listed(values: string[], shown = 10): string {
  const head = values.slice(0, shown).join(', ');
  return values.length > shown ? `${head} and ${values.length - shown} more` : head;
}

/** A name given twice is a mistake in the request: refused before anything is used. Linear: restores may list tens of thousands of ids. */
function requireDistinct(field: string, values: string[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  if (repeated.size > 0) {
    throw new InvalidInputError(`${field} lists some values more than once: ${listed([...repeated])}`, field, [...repeated]);
  }
}
