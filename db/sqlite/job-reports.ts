import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { JobFailureReport, JobFigures, JobReports } from '../job-reports.ts';
import { jobFailures, jobs, type RestoreSummaryValue } from '../schema.ts';
import { promised } from './promised.ts';

/** A running job's reports on SQLite. */
export function sqliteJobReports(db: Db): JobReports {
  const figures = (jobId: string, values: JobFigures) => db.update(jobs).set(values).where(eq(jobs.id, jobId)).returning().get();
  const snapshotTaken = (jobId: string, snapshotId: string) => void db.update(jobs).set({ snapshotId }).where(eq(jobs.id, jobId)).run();
  const warn = (jobId: string, warning: string) =>
    void db
      .update(jobs)
      .set({ warnings: sql`json_insert(${jobs.warnings}, '$[#]', ${warning})` })
      .where(eq(jobs.id, jobId))
      .run();
  const restoreSummary = (jobId: string, summary: RestoreSummaryValue) => void db.update(jobs).set({ restoreSummary: summary }).where(eq(jobs.id, jobId)).run();
  const failures = (jobId: string, reports: JobFailureReport[]) => {
    if (reports.length > 0) db.insert(jobFailures).values(reports.map((report) => ({ ...report, jobId }))).run();
  };
  return { figures: promised(figures), snapshotTaken: promised(snapshotTaken), warn: promised(warn), restoreSummary: promised(restoreSummary), failures: promised(failures) };
}
