import { eq, inArray, sql, type Column, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { instances, jobs } from '../../db/schema.ts';
import type { Viewer } from './viewer.ts';

/**
 * For pages of rows belonging to a job or an instance, read for many parents in one statement
 * (`firstRowsPerParent`): a member sees the rows of its own organisation's parents only.
 */
export function ofVisibleParents(db: Db, viewer: Viewer, parentColumn: Column, parents: typeof jobs | typeof instances): SQL | undefined {
  if (viewer.kind !== 'member') return undefined;
  return inArray(parentColumn, db.select({ id: parents.id }).from(parents).where(eq(parents.organisationId, sql.placeholder('organisationId'))));
}

/** The prepared statement's shape and values for such a page, read after a numeric `after` position if any. */
export const childPageStatement = (viewer: Viewer, after: number | undefined) => ({
  shape: [viewer.kind, after !== undefined && 'after'].join(),
  values: { organisationId: viewer.kind === 'member' ? viewer.organisationId : undefined, after },
});
