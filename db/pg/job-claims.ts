import { and, eq, inArray, isNull, lt, notExists, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { claimedValues, endedValues, handedBackValues, type JobClaims, type Lease, type Outcome } from '../job-claims.ts';
import type { PgDb } from './client.ts';
import { isUniqueViolation } from './errors.ts';
import { instances, jobFailures, jobs, snapshots } from './schema.ts';

/** A claim that met another worker's claim of the same instance tries the next candidate. */
const CLAIM_ATTEMPTS = 3;

/**
 * The queue on PostgreSQL. A claim locks the instance of its candidate with `FOR UPDATE SKIP
 * LOCKED` (each instance is a queue of its own, as a job queue is in graphile-worker), so workers
 * never wait on one another and an instance's jobs start in order. A claim whose snapshot predates
 * another's commit could still see the instance idle: the unique index of running jobs per
 * instance (`jobs_one_running_per_instance`) refuses it, and it looks again.
 */
export function postgresJobClaims(db: PgDb): JobClaims {
  const running = alias(jobs, 'running');

  async function claimOnce(lease: Lease) {
    const next = db
      .select({ id: jobs.id })
      .from(jobs)
      .innerJoin(instances, eq(instances.id, jobs.instanceId))
      .where(
        and(
          eq(jobs.status, 'QUEUED'),
          notExists(db.select({ id: running.id }).from(running).where(and(eq(running.instanceId, jobs.instanceId), eq(running.status, 'RUNNING')))),
        ),
      )
      .orderBy(jobs.queuedAt)
      .limit(1)
      .for('update', { of: instances, skipLocked: true });
    // `= (subquery)` runs it once; `in (subquery)` may run it again per row, each run skipping
    // what the last one locked, and so claim several jobs.
    const [claimed] = await db
      .update(jobs)
      .set(claimedValues(lease))
      .where(and(eq(jobs.status, 'QUEUED'), eq(jobs.id, sql`(${next})`)))
      .returning();
    return claimed;
  }

  return {
    enqueue: async (job) => (await db.insert(jobs).values(job).returning())[0],

    async claimNext(lease) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await claimOnce(lease);
        } catch (error) {
          if (!isUniqueViolation(error, 'jobs_one_running_per_instance') || attempt === CLAIM_ATTEMPTS) throw error;
        }
      }
    },

    async renewLeases(lease, jobIds) {
      if (jobIds.length === 0) return new Map();
      const renewed = await db
        .update(jobs)
        .set({ leaseExpiresAt: lease.expiresAt })
        .where(and(inArray(jobs.id, jobIds), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, lease.owner)))
        .returning({ id: jobs.id, cancelRequestedAt: jobs.cancelRequestedAt });
      return new Map(renewed.map((row) => [row.id, { cancelRequested: row.cancelRequestedAt !== null }]));
    },

    async requestCancel(jobId) {
      const asked = await db
        .update(jobs)
        .set({ cancelRequestedAt: new Date() })
        .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING')))
        .returning({ id: jobs.id });
      return asked.length > 0;
    },

    async finish(jobId, owner, outcome: Outcome) {
      const [finished] = await db
        .update(jobs)
        .set({ status: outcome.status, error: outcome.error ?? null, ...endedValues() })
        .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, owner)))
        .returning();
      return finished;
    },

    handBack: (jobId, owner) =>
      db.transaction(async (tx) => {
        const [queued] = await tx
          .update(jobs)
          .set(handedBackValues())
          .where(and(eq(jobs.id, jobId), eq(jobs.status, 'RUNNING'), eq(jobs.leaseOwner, owner), isNull(jobs.cancelRequestedAt)))
          .returning();
        if (queued) await tx.delete(jobFailures).where(eq(jobFailures.jobId, jobId));
        return queued;
      }),

    async cancelQueued(jobId) {
      const [cancelled] = await db
        .update(jobs)
        .set({ status: 'CANCELLED', ...endedValues() })
        .where(and(eq(jobs.id, jobId), eq(jobs.status, 'QUEUED')))
        .returning();
      return cancelled;
    },

    failExpired: (now, error) =>
      db.transaction(async (tx) => {
        const lost = await tx
          .update(jobs)
          .set({ status: 'FAILED', error, ...endedValues() })
          .where(and(eq(jobs.status, 'RUNNING'), or(isNull(jobs.leaseExpiresAt), lt(jobs.leaseExpiresAt, now))))
          .returning();
        const backups = lost.filter((job) => job.kind === 'BACKUP').map((job) => job.id);
        if (backups.length > 0) await tx.delete(snapshots).where(and(inArray(snapshots.jobId, backups), isNull(snapshots.completedAt)));
        return lost;
      }),
  };
}
