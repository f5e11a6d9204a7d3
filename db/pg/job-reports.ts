import { eq, sql } from 'drizzle-orm';
import type { JobReports } from '../job-reports.ts';
import type { PgDb } from './client.ts';
import { jobFailures, jobs } from './schema.ts';

/** A running job's reports on PostgreSQL. */
export function postgresJobReports(db: PgDb): JobReports {
  return {
    figures: async (jobId, values) => (await db.update(jobs).set(values).where(eq(jobs.id, jobId)).returning())[0],
    async snapshotTaken(jobId, snapshotId) {
      await db.update(jobs).set({ snapshotId }).where(eq(jobs.id, jobId));
    },
    async warn(jobId, warning) {
      await db
        .update(jobs)
        .set({ warnings: sql`${jobs.warnings} || jsonb_build_array(${warning}::text)` })
        .where(eq(jobs.id, jobId));
    },
    async restoreSummary(jobId, summary) {
      await db.update(jobs).set({ restoreSummary: summary }).where(eq(jobs.id, jobId));
    },
    async failures(jobId, reports) {
      if (reports.length > 0) await db.insert(jobFailures).values(reports.map((report) => ({ ...report, jobId })));
    },
  };
}
