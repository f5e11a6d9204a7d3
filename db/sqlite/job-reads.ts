import { and, asc, count, desc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { inList } from '../in-list.ts';
import { UNLISTED_JOB_COLUMNS, type JobPageQuery, type JobReads } from '../job-reads.ts';
import type { ChildPageQuery } from '../parent-pages.ts';
import { firstRowsPerParent } from '../rows-per-parent.ts';
import { jobFailures, jobs, type JobStatus } from '../schema.ts';
import { childPageStatement, ofOrganisationParents } from './child-pages.ts';
import { promised } from './promised.ts';

const ACTIVE = ['QUEUED', 'RUNNING'] as const;

/** Jobs read on SQLite: pages through `firstRowsPerParent`, each shape prepared once. */
export function sqliteJobReads(db: Db): JobReads {
  return {
    byIds: promised((ids: readonly string[]) => db.select().from(jobs).where(inList(jobs.id, ids)).all()),

    firstPerParent: promised((parent: 'instanceId' | 'organisationId', parentIds: readonly string[], query: JobPageQuery) => {
      const { organisationId, status, kind, after, limit } = query;
      return firstRowsPerParent(
        db,
        jobs,
        parentIds,
        limit,
        (table) => ({
          parent: table[parent],
          id: table.id,
          where: and(
            organisationId !== undefined ? eq(table.organisationId, sql.placeholder('organisationId')) : undefined,
            status ? eq(table.status, sql.placeholder('status')) : undefined,
            kind ? eq(table.kind, sql.placeholder('kind')) : undefined,
            after
              ? or(lt(table.queuedAt, sql.placeholder('queuedAt')), and(eq(table.queuedAt, sql.placeholder('queuedAt')), lt(table.id, sql.placeholder('id'))))
              : undefined,
          ),
          orderBy: [desc(table.queuedAt), desc(table.id)],
        }),
        {
          shape: [parent, organisationId !== undefined && 'organisation', status && 'status', kind && 'kind', after && 'after'].join(),
          values: { organisationId, status, kind, queuedAt: after?.queuedAt.getTime(), id: after?.id },
          omitted: UNLISTED_JOB_COLUMNS,
        },
      );
    }),

    failuresPerJob: promised((jobIds: readonly string[], query: ChildPageQuery) =>
      firstRowsPerParent(
        db,
        jobFailures,
        jobIds,
        query.limit,
        (table) => ({
          parent: table.jobId,
          id: table.id,
          where: and(ofOrganisationParents(db, query, table.jobId, jobs), query.after === undefined ? undefined : gt(table.id, sql.placeholder('after'))),
          orderBy: [asc(table.id)],
        }),
        childPageStatement(query),
      ),
    ),

    activeOnGrant: promised((grantId: string) => db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.grantId, grantId), inArray(jobs.status, ACTIVE))).get() !== undefined),

    activeOnInstance: promised(
      (instanceId: string) => db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.instanceId, instanceId), inArray(jobs.status, ACTIVE))).get() !== undefined,
    ),

    countsByStatus: promised(
      () => new Map<JobStatus, number>(db.select({ status: jobs.status, n: count() }).from(jobs).groupBy(jobs.status).all().map((row) => [row.status, row.n])),
    ),
  };
}
