import { and, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobFailures, jobs, type JobRow } from '../../db/schema.ts';
import { writeTransaction } from '../../db/write-transaction.ts';

/**
 * The queue's state transitions, one statement each, guarded by the state the job leaves: a late
 * or repeated call changes nothing and returns undefined (or nothing).
 *
 * Several worker processes may share the database. SQLite runs one writing statement at a time,
 * so a claim (which reads the RUNNING rows inside its own UPDATE) can never put two jobs on one
 * instance. A running job is held by a lease its worker renews; a worker that dies stops renewing,
 * and once the lease has passed any worker ends the job (`failExpired`).
 */

export interface Lease {
  /** The worker process holding it. */
  owner: string;
  expiresAt: Date;
}

const ended = () => ({ finishedAt: new Date(), accessTokenCiphertext: null, leaseOwner: null, leaseExpiresAt: null });

/** QUEUED → RUNNING under the lease: the oldest queued job of an instance that runs nothing. */
export function claimNext(db: Db, lease: Lease): JobRow | undefined {
  const busyInstances = db.select({ id: jobs.instanceId }).from(jobs).where(eq(jobs.status, 'RUNNING'));
  const next = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, 'QUEUED'), notInArray(jobs.instanceId, busyInstances)))
    .orderBy(jobs.queuedAt)
    .limit(1);
  return db
    .update(jobs)
    .set({ status: 'RUNNING', startedAt: new Date(), leaseOwner: lease.owner, leaseExpiresAt: lease.expiresAt })
    .where(and(eq(jobs.status, 'QUEUED'), sql`${jobs.id} in ${next}`))
    .returning()
    .get();
}

/**
 * Moves the worker's leases on. Returns the jobs it still holds, and whether someone asked to
 * cancel each (a job it lost is not among them).
 */
export function renewLeases(db: Db, lease: Lease, jobIds: string[]): Map<string, { cancelRequested: boolean }> {
  if (jobIds.length === 0) return new Map();
  const renewed = db
    .update(jobs)
    .set({ leaseExpiresAt: lease.expiresAt })
    .where(and(inArray(jobs.id, jobIds), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, lease.owner)))
    .returning({ id: jobs.id, cancelRequestedAt: jobs.cancelRequestedAt })
    .all();
  return new Map(renewed.map((row) => [row.id, { cancelRequested: row.cancelRequestedAt !== null }]));
}

/** Asks the worker running the job, in whichever process, to stop it at its next checkpoint. */
export function requestCancel(db: Db, jobId: string): boolean {
  const asked = db
    .update(jobs)
    .set({ cancelRequestedAt: new Date() })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING')))
    .run();
  return asked.changes > 0;
}

export type Outcome = { status: 'SUCCEEDED' | 'CANCELLED'; error?: undefined } | { status: 'FAILED'; error: string };

/** RUNNING → SUCCEEDED, FAILED or CANCELLED, by the worker holding it; the job's session is forgotten. */
export function finish(db: Db, jobId: string, owner: string, outcome: Outcome): JobRow | undefined {
  return db
    .update(jobs)
    .set({ status: outcome.status, error: outcome.error ?? null, ...ended() })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, owner)))
    .returning()
    .get();
}

/**
 * RUNNING → QUEUED by the worker holding it, as its process stops: the job keeps its place in the
 * queue, its token and its session, and runs again from the start in whichever worker claims it
 * next. What the cut-short run reported goes with it.
 */
export function handBack(db: Db, jobId: string, owner: string): JobRow | undefined {
  return writeTransaction(db, (tx) => {
    const queued = tx
      .update(jobs)
      .set({ status: 'QUEUED', startedAt: null, leaseOwner: null, leaseExpiresAt: null, processed: 0, failed: 0, total: null, changed: null, warnings: [], restoreSummary: null })
      .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, owner), isNull(jobs.cancelRequestedAt)))
      .returning()
      .get();
    if (queued) tx.delete(jobFailures).where(eq(jobFailures.jobId, jobId)).run();
    return queued;
  });
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

/**
 * RUNNING → FAILED for every job whose worker stopped renewing its lease (or that a version
 * without leases left running).
 */
export function failExpired(db: Db, now: Date, error: string): JobRow[] {
  return db
    .update(jobs)
    .set({ status: 'FAILED', error, ...ended() })
    .where(and(eq(jobs.status, 'RUNNING'), or(isNull(jobs.leaseExpiresAt), lt(jobs.leaseExpiresAt, now))))
    .returning()
    .all();
}
