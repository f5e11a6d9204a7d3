import type { jobs, JobRow } from './schema.ts';

export type NewJob = typeof jobs.$inferInsert;

/** A worker process's hold on the jobs it runs, renewed while they run. */
export interface Lease {
  /** The worker process holding it. */
  owner: string;
  expiresAt: Date;
}

export type Outcome = { status: 'SUCCEEDED' | 'CANCELLED'; error?: undefined } | { status: 'FAILED'; error: string };

/**
 * The queue's state transitions, one statement each where the engine allows, guarded by the state
 * the job leaves: a late or repeated call changes nothing and returns undefined (or nothing).
 * Each database engine implements them its own way (db/sqlite, db/pg); both keep to two rules:
 * never two jobs running on one instance, and a job whose lease has passed is ended by any worker.
 */
export interface JobClaims {
  /** A new job, QUEUED. */
  enqueue(job: NewJob): Promise<JobRow>;
  /** QUEUED → RUNNING under the lease: the oldest queued job of an instance that runs nothing. */
  claimNext(lease: Lease): Promise<JobRow | undefined>;
  /**
   * Moves the worker's leases on. Returns the jobs it still holds, and whether someone asked to
   * cancel each (a job it lost is not among them).
   */
  renewLeases(lease: Lease, jobIds: string[]): Promise<Map<string, { cancelRequested: boolean }>>;
  /** Asks the worker running the job, in whichever process, to stop it at its next checkpoint. */
  requestCancel(jobId: string): Promise<boolean>;
  /** RUNNING → SUCCEEDED, FAILED or CANCELLED, by the worker holding it; the job's session is forgotten. */
  finish(jobId: string, owner: string, outcome: Outcome): Promise<JobRow | undefined>;
  /**
   * RUNNING → QUEUED by the worker holding it, as its process stops: the job keeps its place in the
   * queue, its token and its session, and runs again from the start in whichever worker claims it
   * next. What the cut-short run reported goes with it.
   */
  handBack(jobId: string, owner: string): Promise<JobRow | undefined>;
  /** QUEUED → CANCELLED. */
  cancelQueued(jobId: string): Promise<JobRow | undefined>;
  /**
   * RUNNING → FAILED for every job whose worker stopped renewing its lease (or that a version
   * without leases left running). Their unfinished snapshots, never readable, go in the same
   * transaction, so no reader sees a failed job beside one.
   */
  failExpired(now: Date, error: string): Promise<JobRow[]>;
}

/** What a claim writes: the job runs under the lease. */
export const claimedValues = (lease: Lease) => ({ status: 'RUNNING' as const, startedAt: new Date(), leaseOwner: lease.owner, leaseExpiresAt: lease.expiresAt });

/** What every transition that ends a job writes besides its status: its session is forgotten and its lease let go. */
export const endedValues = () => ({ finishedAt: new Date(), accessTokenCiphertext: null, leaseOwner: null, leaseExpiresAt: null });

/** A job handed back waits in its place, to start again from nothing. */
export const handedBackValues = () => ({
  status: 'QUEUED' as const,
  startedAt: null,
  leaseOwner: null,
  leaseExpiresAt: null,
  processed: 0,
  failed: 0,
  total: null,
  changed: null,
  warnings: [],
  restoreSummary: null,
});
