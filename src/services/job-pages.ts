import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { jobs, type JobKind, type JobRow, type JobStatus } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { InvalidInputError } from '../errors.ts';

export interface JobPageArgs {
  first: number;
  after?: string | null;
  status?: JobStatus | null;
  kind?: JobKind | null;
}

export interface JobPage {
  rows: JobRow[];
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 100;

export function jobCursor(job: Pick<JobRow, 'queuedAt' | 'id'>): string {
  return Buffer.from(`${job.queuedAt.getTime()}:${job.id}`).toString('base64url');
}

function parseCursor(cursor: string): { queuedAt: Date; id: string } {
  const [millis, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const queuedAt = new Date(Number(millis));
  if (!id || Number.isNaN(queuedAt.getTime())) throw new InvalidInputError('after is not a cursor of this list', 'after');
  return { queuedAt, id };
}

/**
 * Newest-first pages of jobs for many parents (instances or organisations) in one statement,
 * so a list of fifty organisations with their latest jobs costs one query, not fifty.
 */
export function jobPagesByParent(
  db: Db,
  parent: 'instanceId' | 'organisationId',
  parentIds: readonly string[],
  args: JobPageArgs,
): Map<string, JobPage> {
  if (args.first < 0 || args.first > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  // For each parent, its newest jobs through the (parent, queued_at) index: the cost follows the
  // page size, not the length of each parent's history.
  const page = alias(jobs, 'page');
  const conditions: (SQL | undefined)[] = [sql`${page[parent]} = parent.value`];
  if (args.status) conditions.push(eq(page.status, args.status));
  if (args.kind) conditions.push(eq(page.kind, args.kind));
  if (args.after) {
    const cursor = parseCursor(args.after);
    conditions.push(or(lt(page.queuedAt, cursor.queuedAt), and(eq(page.queuedAt, cursor.queuedAt), lt(page.id, cursor.id))));
  }
  const newest = db
    .select({ id: page.id })
    .from(page)
    .where(and(...conditions))
    .orderBy(desc(page.queuedAt), desc(page.id))
    .limit(args.first + 1);
  const rows = db
    .select()
    .from(jobs)
    .where(
      sql`${jobs.id} in (select picked.id from json_each(${JSON.stringify(parentIds)}) as parent join ${jobs} as picked on picked.id in (${newest}))`,
    )
    .orderBy(desc(jobs.queuedAt), desc(jobs.id))
    .all();

  const pages = new Map<string, JobPage>(parentIds.map((id) => [id, { rows: [], hasNextPage: false }]));
  for (const job of rows) {
    const jobPage = pages.get(job[parent])!;
    if (jobPage.rows.length === args.first) jobPage.hasNextPage = true;
    else jobPage.rows.push(job);
  }
  return pages;
}
