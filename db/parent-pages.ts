/**
 * A page of rows belonging to a parent (a job's failures, an instance's snapshots), read for many
 * parents in one statement: the first `limit` rows of each, after a numeric position if any.
 */
export interface ChildPageQuery {
  /** Only parents of this organisation (a member key sees its own alone). */
  organisationId?: string;
  after?: number;
  limit: number;
}
