import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobFailures, jobs, type JobRow, type RestoreSummaryValue } from '../../db/schema.ts';
import type { Announcements } from '../services/announcements.ts';
import type { RecordFailure } from '../services/restore.ts';

export const PROGRESS_EVENT_INTERVAL_MS = 250;

type Figures = Partial<Pick<JobRow, 'processed' | 'failed' | 'total' | 'changed'>>;

/**
 * What a running job reports as it goes. Figures are saved and announced together, throttled
 * leading and trailing: the latest go out within one interval (they also expire cached answers),
 * however fast pages arrive.
 */
export function createProgress(db: Db, announce: Announcements, jobId: string, apiCalls: () => number, recordsDone: (added: number) => void) {
  let figures: Figures = {};
  let processed = 0;
  let lastSaved = 0;
  let trailing: NodeJS.Timeout | undefined;
  // Set once the job has ended or gone back to the queue: a report still on its way from the
  // job's work (a lane that had not yet seen the stop) must not write to the row any more.
  let ended = false;

  function save(): JobRow {
    clearTimeout(trailing);
    trailing = undefined;
    lastSaved = Date.now();
    const saved = db
      .update(jobs)
      .set({ ...figures, apiCalls: apiCalls() })
      .where(eq(jobs.id, jobId))
      .returning()
      .get();
    figures = {};
    return saved;
  }

  return {
    update(values: Figures) {
      if (ended) return;
      Object.assign(figures, values);
      if (values.processed !== undefined) {
        recordsDone(values.processed - processed);
        processed = values.processed;
      }
      const wait = PROGRESS_EVENT_INTERVAL_MS - (Date.now() - lastSaved);
      if (wait <= 0) announce.jobChanged(save());
      else trailing ??= setTimeout(() => announce.jobChanged(save()), wait);
    },

    /** Saves what is pending without announcing it (the job's next state change does); later reports are dropped. */
    end() {
      save();
      ended = true;
    },

    /** Drops what is pending and what comes later: the job is going back to the queue. */
    drop() {
      clearTimeout(trailing);
      trailing = undefined;
      figures = {};
      ended = true;
    },

    snapshotTaken(snapshotId: string) {
      if (ended) return;
      db.update(jobs).set({ snapshotId }).where(eq(jobs.id, jobId)).run();
    },

    warn(warning: string) {
      if (ended) return;
      db.update(jobs)
        .set({ warnings: sql`json_insert(${jobs.warnings}, '$[#]', ${warning})` })
        .where(eq(jobs.id, jobId))
        .run();
    },

    restoreSummary(restoreSummary: RestoreSummaryValue) {
      if (ended) return;
      db.update(jobs).set({ restoreSummary }).where(eq(jobs.id, jobId)).run();
    },

    failures(failures: RecordFailure[]) {
      if (ended) return;
      db.insert(jobFailures)
        .values(failures.map((failure) => ({ ...failure, jobId })))
        .run();
    },
  };
}
