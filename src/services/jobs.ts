import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobFailures, jobs, type JobFailureRow, type JobRow } from '../../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { createInstanceService } from './instances.ts';
import { jobPagesByParent, type JobPageArgs } from './job-pages.ts';
import type { JobStarter } from './job-starter.ts';
import type { JobWorker } from './job-worker.ts';
import type { SnapshotService } from './snapshots.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

export interface RestoreRequest {
  snapshotId: string;
  /** Defaults to the snapshot's own instance; another instance of the same organisation is allowed. */
  targetInstanceId?: string;
  objects: string[];
  recordIds: string[];
  overwrite: boolean;
  includeChildren: boolean;
  /** Reads the org and reports what would change, writing nothing and using no token. */
  dryRun: boolean;
}

interface Dependencies {
  db: Db;
  instances: ReturnType<typeof createInstanceService>;
  snapshots: SnapshotService;
  starter: JobStarter;
  worker: JobWorker;
}

export function createJobService({ db, instances, snapshots, starter, worker }: Dependencies) {
  const byIds = (viewer: Viewer, ids: readonly string[]): JobRow[] =>
    db
      .select()
      .from(jobs)
      .where(inArray(jobs.id, [...ids]))
      .all()
      .filter((row) => canSeeOrganisation(viewer, row.organisationId));

  return {
    byIds,

    get(viewer: Viewer, id: string): JobRow {
      const [job] = byIds(viewer, [id]);
      if (!job) throw new NotFoundError('Job', id);
      return job;
    },

    pagesByInstance: (instanceIds: readonly string[], args: JobPageArgs) => jobPagesByParent(db, 'instanceId', instanceIds, args),

    pagesByOrganisation: (organisationIds: readonly string[], args: JobPageArgs) =>
      jobPagesByParent(db, 'organisationId', organisationIds, args),

    startBackup(viewer: Viewer, instanceId: string, objects: string[], full: boolean): Promise<JobRow> {
      requireDistinct('objects', objects);
      return starter.start(viewer, { instanceId, kind: 'BACKUP', objects, parameters: full ? { full } : {} });
    },

    /** Checks everything that needs no Salesforce call before a token is used. */
    startRestore(viewer: Viewer, request: RestoreRequest): Promise<JobRow> {
      requireDistinct('objects', request.objects);
      requireDistinct('recordIds', request.recordIds);
      const snapshot = snapshots.get(viewer, request.snapshotId);
      const source = instances.get(viewer, snapshot.instanceId);
      const target = request.targetInstanceId ? instances.get(viewer, request.targetInstanceId) : source;
      if (target.organisationId !== source.organisationId) {
        throw new InvalidInputError('A snapshot restores only to an instance of its own organisation', 'targetInstanceId');
      }
      const objects = snapshots.requireObjects(snapshot, request.objects);
      if (request.recordIds.length > 0) {
        const unknown = snapshots.missingRecordIds(snapshot, objects, request.recordIds);
        if (unknown.length > 0) throw new InvalidInputError(`Records not in the snapshot: ${listed(unknown)}`, 'recordIds', unknown);
      }
      return starter.start(viewer, {
        instanceId: target.id,
        kind: 'RESTORE',
        objects,
        parameters: { ...request, objects },
        spendsToken: !request.dryRun,
      });
    },

    cancel(viewer: Viewer, id: string): JobRow {
      const job = this.get(viewer, id);
      if (job.status !== 'QUEUED' && job.status !== 'RUNNING') {
        throw new InvalidInputError(`The job is already ${job.status.toLowerCase()}`, 'id');
      }
      return worker.cancel(job);
    },

    /** Records Salesforce refused, in the order they were reported, after an id (for paging). */
    failures(jobId: string, first: number, afterId = 0): JobFailureRow[] {
      return db
        .select()
        .from(jobFailures)
        .where(and(eq(jobFailures.jobId, jobId), gt(jobFailures.id, afterId)))
        .orderBy(asc(jobFailures.id))
        .limit(first + 1)
        .all();
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
