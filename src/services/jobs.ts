import { inArray } from 'drizzle-orm';
import { jobs, type JobRow } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { NotFoundError } from '../errors.ts';
import { jobPagesByParent, type JobPageArgs } from './job-pages.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

export function createJobService(db: Db) {
  return {
    get(viewer: Viewer, id: string): JobRow {
      const [job] = this.byIds(viewer, [id]);
      if (!job) throw new NotFoundError('Job', id);
      return job;
    },

    byIds(viewer: Viewer, ids: readonly string[]): JobRow[] {
      const rows = db.select().from(jobs).where(inArray(jobs.id, [...ids])).all();
      return rows.filter((row) => canSeeOrganisation(viewer, row.organisationId));
    },

    pagesByInstance: (instanceIds: readonly string[], args: JobPageArgs) =>
      jobPagesByParent(db, 'instanceId', instanceIds, args),

    pagesByOrganisation: (organisationIds: readonly string[], args: JobPageArgs) =>
      jobPagesByParent(db, 'organisationId', organisationIds, args),
  };
}
