import type { JobFailureReport, JobFigures, JobReports } from '../../db/job-reports.ts';
import type { JobRow, RestoreSummaryValue } from '../../db/schema.ts';
import type { Announcements } from '../services/announcements.ts';

export const PROGRESS_EVENT_INTERVAL_MS = 250;

type Figures = Omit<JobFigures, 'apiCalls'>;

/**
 * What a running job reports as it goes. Figures are saved and announced together, throttled
 * leading and trailing: the latest go out within one interval (they also expire cached answers),
 * however fast pages arrive. Writes go out one after another, in the order they were reported.
 */
export function createProgress(reports: JobReports, announce: Announcements, jobId: string, apiCalls: () => number, recordsDone: (added: number) => void) {
  let figures: Figures = {};
  let processed = 0;
  let lastSaved = 0;
  let trailing: NodeJS.Timeout | undefined;
  // Set once the job has ended or gone back to the queue: a report still on its way from the
  // job's work (a lane that had not yet seen the stop) must not write to the row any more.
  let ended = false;
  let writing: Promise<unknown> = Promise.resolve();
  // A write that failed fails the job at its next report, as a failed read would.
  let failure: Error | undefined;

  function write<T>(work: () => Promise<T>): Promise<T> {
    const written = writing.then(work);
    writing = written.catch((error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
    });
    return written;
  }

  function report(work: () => Promise<unknown>) {
    if (failure) throw failure;
    if (!ended) void write(work).catch(() => undefined);
  }

  function save(): Promise<JobRow> {
    clearTimeout(trailing);
    trailing = undefined;
    lastSaved = Date.now();
    const values = { ...figures, apiCalls: apiCalls() };
    figures = {};
    return write(() => reports.figures(jobId, values));
  }

  const saveAndAnnounce = () => {
    save().then((row) => announce.jobChanged(row), () => undefined);
  };

  return {
    update(values: Figures) {
      if (failure) throw failure;
      if (ended) return;
      Object.assign(figures, values);
      if (values.processed !== undefined) {
        recordsDone(values.processed - processed);
        processed = values.processed;
      }
      const wait = PROGRESS_EVENT_INTERVAL_MS - (Date.now() - lastSaved);
      if (wait <= 0) saveAndAnnounce();
      else trailing ??= setTimeout(saveAndAnnounce, wait);
    },

    /** Saves what is pending without announcing it (the job's next state change does); later reports are dropped. */
    async end() {
      ended = true;
      await save().catch(() => undefined);
    },

    /** Drops what is pending and what comes later, once what is on its way has landed: the job is going back to the queue. */
    async drop() {
      clearTimeout(trailing);
      trailing = undefined;
      figures = {};
      ended = true;
      await writing;
    },

    snapshotTaken: (snapshotId: string) => report(() => reports.snapshotTaken(jobId, snapshotId)),
    warn: (warning: string) => report(() => reports.warn(jobId, warning)),
    restoreSummary: (summary: RestoreSummaryValue) => report(() => reports.restoreSummary(jobId, summary)),
    failures: (failures: JobFailureReport[]) => report(() => reports.failures(jobId, failures)),
  };
}
