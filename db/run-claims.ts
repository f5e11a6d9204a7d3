import type { ScheduledRunRow } from './schema.ts';

/** What became of a claimed run: the job it queued, or why it queued none. */
export type RunSettlement = { jobId: string } | { outcome: 'SKIPPED'; reason: string };

/**
 * The scheduler's claims of due runs. A run is claimed by moving the policy's `nextRunAt` on from
 * the value read, in one guarded step, so of two processes (or two ticks) only one starts it.
 * Each database engine implements them its own way (db/sqlite, db/pg).
 */
export interface RunClaims {
  /**
   * Moves the instance's next run from `due` to `next` if nobody has, and with `startsNow` records
   * the run as STARTED in the same step. Undefined when someone else moved it first, the policy
   * was disabled meanwhile, or the run was only deferred.
   */
  claim(instanceId: string, due: Date, next: Date, startsNow: boolean, now: Date): Promise<ScheduledRunRow | undefined>;
  settle(runId: string, settlement: RunSettlement): Promise<ScheduledRunRow>;
  /** Runs claimed before `claimedBefore` and never given a job (their process stopped) are recorded as skipped. */
  closeAbandoned(claimedBefore: Date, reason: string): Promise<void>;
}
