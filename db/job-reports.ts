import type { JobRow, RestoreSummaryValue } from './schema.ts';

export type JobFigures = Partial<Pick<JobRow, 'processed' | 'failed' | 'total' | 'changed'>> & { apiCalls: number };

export interface JobFailureReport {
  object: string;
  recordId: string | null;
  statusCode: string;
  message: string;
}

/**
 * What a running job writes to its own row as it goes. Each database engine implements it its own
 * way (db/sqlite, db/pg): warnings are appended to a JSON list in one statement, which the two
 * dialects write differently.
 */
export interface JobReports {
  /** Saves the job's figures; the row as it now stands. */
  figures(jobId: string, figures: JobFigures): Promise<JobRow>;
  snapshotTaken(jobId: string, snapshotId: string): Promise<void>;
  warn(jobId: string, warning: string): Promise<void>;
  restoreSummary(jobId: string, summary: RestoreSummaryValue): Promise<void>;
  failures(jobId: string, failures: JobFailureReport[]): Promise<void>;
}
