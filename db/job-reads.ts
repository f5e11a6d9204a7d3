import type { ChildPageQuery } from './parent-pages.ts';
import type { JobFailureRow, JobKind, JobRow, JobStatus } from './schema.ts';

/**
 * Columns lists leave out: a job's request (a restore's may hold thousands of record ids, parsed
 * from JSON on every read), its session and the worker's bookkeeping, which no field exposes.
 */
export const UNLISTED_JOB_COLUMNS = ['parameters', 'accessTokenCiphertext', 'grantId', 'tokenId', 'leaseOwner', 'leaseExpiresAt', 'cancelRequestedAt'] as const;

/** A job as lists show it. */
export type ListedJob = Omit<JobRow, (typeof UNLISTED_JOB_COLUMNS)[number]>;

/** A newest-first page of jobs of each parent; `after` is the last job of the page before. */
export interface JobPageQuery {
  /** Only jobs of this organisation (a member key sees its own alone). */
  organisationId?: string;
  status?: JobStatus | null;
  kind?: JobKind | null;
  after?: { queuedAt: Date; id: string };
  limit: number;
}

/** What the API and the services read of jobs. Each database engine implements it its own way (db/sqlite, db/pg). */
export interface JobReads {
  /** The jobs of these ids, in one statement however many. */
  byIds(ids: readonly string[]): Promise<JobRow[]>;
  /** The first `limit` jobs of each instance or organisation, newest first, in one statement for all of them. */
  firstPerParent(parent: 'instanceId' | 'organisationId', parentIds: readonly string[], query: JobPageQuery): Promise<ListedJob[]>;
  /** Each job's first `limit` failures in the order they were reported (after the failure id `after`), in one statement. */
  failuresPerJob(jobIds: readonly string[], query: ChildPageQuery): Promise<JobFailureRow[]>;
  /** True while a queued or running job relies on the grant. */
  activeOnGrant(grantId: string): Promise<boolean>;
  /** True while a job is queued or running on the instance. */
  activeOnInstance(instanceId: string): Promise<boolean>;
  /** How many jobs are in each status (statuses with none left out). */
  countsByStatus(): Promise<Map<JobStatus, number>>;
}
