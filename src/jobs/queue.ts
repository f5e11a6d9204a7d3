import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobs, type JobRow } from '../../db/schema.ts';

/**
 * The queue's state transitions, one UPDATE each, guarded by the state the job leaves: a late or
 * repeated call changes nothing and returns undefined (or nothing).
 *
 * This assumes one process runs jobs on the database. A claim is atomic, but "never two jobs on
 * one instance" reads the RUNNING rows, and `failInterrupted` takes every RUNNING job to be a
 * leftover of this process's previous life; a second worker process would break both.
 */

const ended = () => ({ finishedAt: new Date(), accessTokenCiphertext: null });

/** QUEUED → RUNNING: the oldest queued job of an instance that runs nothing. */
export function claimNext(db: Db): JobRow | undefined {
  const busyInstances = db.select({ id: jobs.instanceId }).from(jobs).where(eq(jobs.status, 'RUNNING'));
  const next = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, 'QUEUED'), notInArray(jobs.instanceId, busyInstances)))
    .orderBy(jobs.queuedAt)
    .limit(1);
  return db
    .update(jobs)
    .set({ status: 'RUNNING', startedAt: new Date() })
    .where(and(eq(jobs.status, 'QUEUED'), sql`${jobs.id} in ${next}`))
    .returning()
    .get();
}

export type Outcome = { status: 'SUCCEEDED' | 'CANCELLED'; error?: undefined } | { status: 'FAILED'; error: string };

/** RUNNING → SUCCEEDED, FAILED or CANCELLED; the job's session is forgotten. */
export function finish(db: Db, jobId: string, outcome: Outcome): JobRow | undefined {
  return db
    .update(jobs)
    .set({ status: outcome.status, error: outcome.error ?? null, ...ended() })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING')))
    .returning()
    .get();
}

/** QUEUED → CANCELLED. */
export function cancelQueued(db: Db, jobId: string): JobRow | undefined {
  return db
    .update(jobs)
    .set({ status: 'CANCELLED', ...ended() })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, 'QUEUED')))
    .returning()
    .get();
}

/** RUNNING → FAILED for every job a previous process left running. */
export function failInterrupted(db: Db, error: string): JobRow[] {
  return db
    .update(jobs)
    .set({ status: 'FAILED', error, ...ended() })
    .where(eq(jobs.status, 'RUNNING'))
    .returning()
    .all();
}
