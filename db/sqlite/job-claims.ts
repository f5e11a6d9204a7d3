import { and, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { claimedValues, endedValues, handedBackValues, type JobClaims, type Lease, type NewJob, type Outcome } from '../job-claims.ts';
import { jobFailures, jobs, snapshots, type JobRow } from '../schema.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';

/**
 * The queue on SQLite. Several worker processes may share the file, and SQLite runs one writing
 * statement at a time, so a claim (which reads the RUNNING rows inside its own UPDATE) can never
 * put two jobs on one instance.
 */
export function sqliteJobClaims(db: Db): JobClaims {
  function claimNext(lease: Lease): JobRow | undefined {
    const busyInstances = db.select({ id: jobs.instanceId }).from(jobs).where(eq(jobs.status, 'RUNNING'));
    const next = db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.status, 'QUEUED'), notInArray(jobs.instanceId, busyInstances)))
      .orderBy(jobs.queuedAt)
      .limit(1);
    return db
      .update(jobs)
      .set(claimedValues(lease))
      .where(and(eq(jobs.status, 'QUEUED'), sql`${jobs.id} in ${next}`))
      .returning()
      .get();
  }

  function renewLeases(lease: Lease, jobIds: string[]) {
    if (jobIds.length === 0) return new Map<string, { cancelRequested: boolean }>();
    const renewed = db
      .update(jobs)
      .set({ leaseExpiresAt: lease.expiresAt })
      .where(and(inArray(jobs.id, jobIds), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, lease.owner)))
      .returning({ id: jobs.id, cancelRequestedAt: jobs.cancelRequestedAt })
      .all();
    return new Map(renewed.map((row) => [row.id, { cancelRequested: row.cancelRequestedAt !== null }]));
  }

  function requestCancel(jobId: string) {
    const asked = db
      .update(jobs)
      .set({ cancelRequestedAt: new Date() })
      .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING')))
      .run();
    return asked.changes > 0;
  }

  function finish(jobId: string, owner: string, outcome: Outcome) {
    return db
      .update(jobs)
      .set({ status: outcome.status, error: outcome.error ?? null, ...endedValues() })
      .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, owner)))
      .returning()
      .get();
  }

  function handBack(jobId: string, owner: string) {
    return writeTransaction(db, (tx) => {
      const queued = tx
        .update(jobs)
        .set(handedBackValues())
        .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, owner), isNull(jobs.cancelRequestedAt)))
        .returning()
        .get();
      if (queued) tx.delete(jobFailures).where(eq(jobFailures.jobId, jobId)).run();
      return queued;
    });
  }

  function cancelQueued(jobId: string) {
    return db
      .update(jobs)
      .set({ status: 'CANCELLED', ...endedValues() })
      .where(and(eq(jobs.id, jobId), eq(jobs.status, 'QUEUED')))
      .returning()
      .get();
  }

  function failExpired(now: Date, error: string) {
    return writeTransaction(db, (tx) => {
      const lost = tx
        .update(jobs)
        .set({ status: 'FAILED', error, ...endedValues() })
        .where(and(eq(jobs.status, 'RUNNING'), or(isNull(jobs.leaseExpiresAt), lt(jobs.leaseExpiresAt, now))))
        .returning()
        .all();
      const backups = lost.filter((job) => job.kind === 'BACKUP').map((job) => job.id);
      if (backups.length > 0) tx.delete(snapshots).where(and(inArray(snapshots.jobId, backups), isNull(snapshots.completedAt))).run();
      return lost;
    });
  }

  const enqueue = (job: NewJob) => db.insert(jobs).values(job).returning().get();

  return {
    enqueue: promised(enqueue),
    claimNext: promised(claimNext),
    renewLeases: promised(renewLeases),
    requestCancel: promised(requestCancel),
    finish: promised(finish),
    handBack: promised(handBack),
    cancelQueued: promised(cancelQueued),
    failExpired: promised(failExpired),
  };
}
