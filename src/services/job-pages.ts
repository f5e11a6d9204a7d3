import { and, desc, eq, getTableColumns, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
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
  const conditions: (SQL | undefined)[] = [inArray(jobs[parent], [...parentIds])];
  if (args.status) conditions.push(eq(jobs.status, args.status));
  if (args.kind) conditions.push(eq(jobs.kind, args.kind));
  if (args.after) {
    const cursor = parseCursor(args.after);
    conditions.push(or(lt(jobs.queuedAt, cursor.queuedAt), and(eq(jobs.queuedAt, cursor.queuedAt), lt(jobs.id, cursor.id))));
  }
  const ranked = db
    .select({
      ...getTableColumns(jobs),
      rank: sql<number>`row_number() over (partition by ${jobs[parent]} order by ${jobs.queuedAt} desc, ${jobs.id} desc)`.as('rank'),
    })
    .from(jobs)
    .where(and(...conditions))
    .as('ranked');
  const rows = db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, args.first + 1))
    .orderBy(desc(ranked.queuedAt), desc(ranked.id))
    .all();

  const pages = new Map<string, JobPage>(parentIds.map((id) => [id, { rows: [], hasNextPage: false }]));
  for (const { rank, ...job } of rows) {
    const page = pages.get(job[parent])!;
    if (rank > args.first) page.hasNextPage = true;
    else page.rows.push(job as JobRow);
  }
  return pages;
}
