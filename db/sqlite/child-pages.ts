import { eq, inArray, sql, type Column, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { ChildPageQuery } from '../parent-pages.ts';
import type { instances, jobs } from '../schema.ts';

/**
 * For pages of rows belonging to a job or an instance, read for many parents in one statement
 * (`firstRowsPerParent`): with an organisation, the rows of its own parents only.
 */
export function ofOrganisationParents(db: Db, query: ChildPageQuery, parentColumn: Column, parents: typeof jobs | typeof instances): SQL | undefined {
  if (query.organisationId === undefined) return undefined;
  return inArray(parentColumn, db.select({ id: parents.id }).from(parents).where(eq(parents.organisationId, sql.placeholder('organisationId'))));
}

/** The prepared statement's shape and values for such a page, read after a numeric `after` position if any. */
export const childPageStatement = ({ organisationId, after }: ChildPageQuery) => ({
  shape: [organisationId === undefined ? 'operator' : 'member', after !== undefined && 'after'].join(),
  values: { organisationId, after },
});
