import { and, asc, count, desc, eq, gt, inArray, type Column, type SQL } from 'drizzle-orm';
import { UNLISTED_JOB_COLUMNS, type JobReads } from '../job-reads.ts';
import type { ChildPageQuery } from '../parent-pages.ts';
import type { JobStatus } from '../schema.ts';
import { olderThan } from '../keyset.ts';
import { anyOf } from './any-of.ts';
import type { PgDb } from './client.ts';
import { firstRowsPerParent } from './rows-per-parent.ts';
import { jobFailures, jobs } from './schema.ts';

const ACTIVE = ['QUEUED', 'RUNNING'] as const;

/** With an organisation, the rows of its own jobs only. */
const ofOrganisationJobs = (db: PgDb, { organisationId }: ChildPageQuery, jobColumn: Column): SQL | undefined =>
  organisationId === undefined ? undefined : inArray(jobColumn, db.select({ id: jobs.id }).from(jobs).where(eq(jobs.organisationId, organisationId)));

/** Jobs read on PostgreSQL. */
export function postgresJobReads(db: PgDb): JobReads {
  return {
    byIds: (ids) => db.select().from(jobs).where(anyOf(jobs.id, ids)),

    firstPerParent: (parent, parentIds, { organisationId, status, kind, after, limit }) =>
      firstRowsPerParent(
        db,
        jobs,
        parentIds,
        limit,
        (table) => ({
          parent: table[parent],
          id: table.id,
          where: and(
            organisationId !== undefined ? eq(table.organisationId, organisationId) : undefined,
            status ? eq(table.status, status) : undefined,
            kind ? eq(table.kind, kind) : undefined,
            after ? olderThan(table.queuedAt, table.id, after.queuedAt, after.id) : undefined,
          ),
          orderBy: [desc(table.queuedAt), desc(table.id)],
        }),
        UNLISTED_JOB_COLUMNS,
      ),

    failuresPerJob: (jobIds, query) =>
      firstRowsPerParent(db, jobFailures, jobIds, query.limit, (table) => ({
        parent: table.jobId,
        id: table.id,
        where: and(ofOrganisationJobs(db, query, table.jobId), query.after === undefined ? undefined : gt(table.id, query.after)),
        orderBy: [asc(table.id)],
      })),

    activeOnGrant: async (grantId) =>
      (await db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.grantId, grantId), inArray(jobs.status, ACTIVE))).limit(1)).length > 0,

    activeOnInstance: async (instanceId) =>
      (await db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.instanceId, instanceId), inArray(jobs.status, ACTIVE))).limit(1)).length > 0,

    countsByStatus: async () => new Map<JobStatus, number>((await db.select({ status: jobs.status, n: count() }).from(jobs).groupBy(jobs.status)).map((row) => [row.status, row.n])),
  };
}
