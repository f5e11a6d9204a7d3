import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { YogaLogger } from 'graphql-yoga';
import type { JobRow, SnapshotRow } from '../../db/schema.ts';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { decrypt } from '../crypto.ts';
import { JobStoppedError } from '../errors.ts';
import { buffer } from 'node:stream/consumers';
import type { ConnectedApp } from '../salesforce/oauth.ts';
import { SalesforceSession } from '../salesforce/session.ts';
import type { Announcements } from '../services/announcements.ts';
import { runBackup } from '../services/backup.ts';
import type { GrantReleaser } from '../services/grant-releaser.ts';
import { createRestoreIntentService } from '../services/restore-intents.ts';
import type { RestoredRecordService } from '../services/restored-records.ts';
import { runRestore } from '../services/restore.ts';
import { createRecordSealerThread } from '../services/record-sealer-thread.ts';
import { createSnapshotReaderThread } from '../services/snapshot-reader-thread.ts';
import type { SnapshotService } from '../services/snapshots.ts';
import type { BlobStores } from '../storage/blob-store.ts';
import type { TokenService } from '../services/tokens.ts';
import { outcomeOf } from './outcome.ts';
import { createProgress } from './progress.ts';
import type { JobClaims, Lease, Outcome } from '../../db/job-claims.ts';
import type { JobReports } from '../../db/job-reports.ts';
import type { RestoreIntentStore } from '../../db/restore-intent-store.ts';
import type { InstanceStore } from '../../db/instance-store.ts';

/**
 * What the worker reaches beyond any viewer's: it acts for jobs that were authorised when they
 * were started, so it reads snapshots and grants unchecked.
 */
export interface WorkerAccess {
  /** The queue's state transitions (claims, leases), on whichever engine holds the jobs. */
  claims: JobClaims;
  /** What running jobs write to their rows. */
  reports: JobReports;
  /** A restore's creates saved before they are sent. */
  restoreIntents: RestoreIntentStore;
  /** Where the org's API usage, as a job last saw it, is kept. */
  instances: Pick<InstanceStore, 'recordApiUsage' | 'byId'>;
  config: Pick<Config, 'jobConcurrency' | 'jobLeaseSeconds' | 'salesforceRetries' | 'salesforceRetryDelayMs' | 'salesforceCallTimeoutMs' | 'apiBudgetShare' | 'fullBackupEvery' | 'bulkQueryThreshold'>;
  secretKey: Buffer;
  connectedApp: () => ConnectedApp;
  tokens: TokenService;
  snapshots: SnapshotService;
  blobs: BlobStores;
  restoredRecords: RestoredRecordService;
  grantReleaser: GrantReleaser;
  announce: Announcements;
  logger: YogaLogger;
  metrics: Metrics;
  /** Runs once a backup has succeeded: what it changed is noted and may raise a data alert. */
  afterBackup: (snapshot: SnapshotRow) => Promise<unknown>;
}

const LOST_WORKER_MESSAGE = 'The worker running this job stopped (the service restarted or its process ended); start it again';

/** How often the worker renews its leases, ends jobs whose worker died, and looks for queued jobs. */
const HEARTBEAT_MS = 1000;

/**
 * Runs queued jobs in this process, a few at once and never two on one instance, beside any
 * other worker processes on the database (see db/job-claims.ts).
 */
export function createJobWorker(access: WorkerAccess) {
  const { config, announce, tokens, claims } = access;
  // What a job's row shows while this worker holds it: the machine and process, for whoever looks.
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const leaseMs = config.jobLeaseSeconds * 1000;
  const lease = (): Lease => ({ owner, expiresAt: new Date(Date.now() + leaseMs) });
  const running = new Map<string, AbortController>();
  const snapshotReads = createSnapshotReaderThread({ secretKey: access.secretKey }, access.snapshots.openedReaderStatement);
  const recordSealer = createRecordSealerThread({ secretKey: access.secretKey });
  let stopped = true;
  let heartbeat: NodeJS.Timeout | undefined;

  let pumping: Promise<void> | undefined;
  let pumpAgain = false;

  /** Claims jobs while there is room; one pass at a time, another pass if woken meanwhile. */
  function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        pumpAgain = false;
        while (!stopped && running.size < config.jobConcurrency) {
          const job = await claims.claimNext(lease());
          if (!job) break;
          // Stopped while the claim was on its way: the job goes back for another worker.
          if (stopped) {
            const handedBack = await claims.handBack(job.id, owner);
            if (handedBack) announce.jobChanged(handedBack);
            break;
          }
          begin(job);
        }
      } while (pumpAgain && !stopped);
    })().finally(() => {
      pumping = undefined;
    });
    return pumping;
  }

  function begin(job: JobRow) {
    const controller = new AbortController();
    running.set(job.id, controller);
    access.metrics.jobStarted(job);
    announce.jobChanged(job);
    void run(job, controller.signal).finally(() => {
      running.delete(job.id);
      pumpLogged();
    });
  }

  function pumpLogged() {
    pump().catch((error: unknown) => access.logger.warn(`Job worker could not claim a job: ${(error as Error).stack ?? String(error)}`));
  }

  async function openSession(job: JobRow, signal: AbortSignal): Promise<SalesforceSession> {
    const instance = (await access.instances.byId(job.instanceId))!;
    const grant = job.grantId ? await tokens.grant(job.grantId) : undefined;
    if (!grant || !job.accessTokenCiphertext || !instance.instanceUrl) {
      throw new JobStoppedError('The job has no Salesforce session: reauthenticate the instance, then start the job again');
    }
    return new SalesforceSession({
      app: access.connectedApp(),
      loginUrl: instance.loginUrl,
      instanceUrl: instance.instanceUrl,
      accessToken: decrypt(access.secretKey, job.accessTokenCiphertext),
      refreshToken: async () => tokens.refreshTokenOf((await tokens.grant(grant.id)) ?? grant),
      onRefreshTokenRotated: (token) => {
        tokens.rotate(grant.id, token).catch((error: unknown) => access.logger.warn(`Job ${job.id}: a rotated refresh token could not be stored: ${String(error)}`));
      },
      retry: { attempts: config.salesforceRetries, baseDelayMs: config.salesforceRetryDelayMs },
      apiBudgetShare: config.apiBudgetShare,
      signal,
    });
  }

  /** Runs the job; a backup returns its snapshot. */
  async function work(job: JobRow, session: SalesforceSession, progress: ReturnType<typeof createProgress>, signal: AbortSignal): Promise<SnapshotRow | undefined> {
    const checkpoint = session.throwIfCancelled.bind(session);
    const { parameters } = job;
    if (job.kind === 'BACKUP') {
      const snapshot = await runBackup(job, session, access.snapshots, {
        fullBackupEvery: config.fullBackupEvery,
        bulkThreshold: config.bulkQueryThreshold,
        blobs: access.blobs.forOrganisation(job.organisationId),
        sealer: recordSealer,
        checkpoint,
        signal,
        onProgress: (figures) => progress.update(figures),
        onWarning: (warning) => progress.warn(warning),
      });
      progress.snapshotTaken(snapshot.id);
      return snapshot;
    }
    // Jobs queued before parameters named their kind carry no typed request.
    if (parameters.kind !== 'RESTORE') throw new Error('This restore was queued by an older version of the service; start it again');
    const snapshot = await access.snapshots.find(parameters.snapshotId);
    if (!snapshot) throw new Error('The snapshot of this restore no longer exists');
    await runRestore(snapshot, session, access.snapshots, parameters, {
      checkpoint,
      openReader: (snapshot, records) => snapshotReads.forSnapshot(snapshot, records),
      signal,
      callTimeoutMs: config.salesforceCallTimeoutMs,
      earlierNewIds: await access.restoredRecords.lookupForRestore(job.instanceId),
      intents: createRestoreIntentService(access.restoreIntents, job.instanceId, job.id),
      userId: (await access.instances.byId(job.instanceId))?.salesforceUserId ?? undefined,
      readBlob: (sha256) => buffer(access.blobs.forOrganisation(job.organisationId).read(sha256)),
      onProgress: (processed, failed, total) => progress.update({ processed, failed, total }),
      onSummary: (summary) => progress.restoreSummary(summary),
      onFailures: (failures) => progress.failures(failures),
      onWarning: (warning) => progress.warn(warning),
    });
    return undefined;
  }

  async function run(job: JobRow, signal: AbortSignal) {
    let session: SalesforceSession | undefined;
    const progress = createProgress(access.reports, announce, job.id, () => session?.apiCalls ?? 0, (added) => access.metrics.recordsProcessed(job.kind, added));
    let outcome: Outcome;
    let snapshot: SnapshotRow | undefined;
    try {
      session = await openSession(job, signal);
      snapshot = await work(job, session, progress, signal);
      outcome = { status: 'SUCCEEDED' };
    } catch (error) {
      // A failed backup's unfinished snapshot goes at once, not at the next start.
      if (job.kind === 'BACKUP') await access.snapshots.discardUnfinishedOf(job.id);
      if (stopped) {
        await progress.drop();
        const handedBack = await claims.handBack(job.id, owner);
        if (handedBack) return announce.jobChanged(handedBack);
      }
      outcome = stopped ? { status: 'CANCELLED' } : await outcomeOf(job, error, signal, access);
    }
    await progress.end();
    // What the backup changed is compared with the snapshot before it while the job still holds its
    // instance, so an alert it raises is there (and pushed) before the job is reported SUCCEEDED.
    if (snapshot && outcome.status === 'SUCCEEDED') await checkAfterBackup(job, snapshot, signal);
    const finished = await claims.finish(job.id, owner, outcome);
    if (finished) announce.jobChanged(finished);
    const instance = session?.apiUsage ? await access.instances.recordApiUsage(job.instanceId, session.apiUsage) : await access.instances.byId(job.instanceId);
    if (instance) announce.instanceChanged(instance);
    if (session) access.metrics.salesforceUsed(job.kind, session.apiCalls, session.apiErrors);
    if (job.grantId) await access.grantReleaser.releaseIfIdle(job.grantId);
  }

  /**
   * Notes what a succeeded backup changed and raises its alert, if any. The backup has succeeded
   * whatever happens here: a failure costs only the comparison's shortcut or an alert. A job
   * stopped or cancelled meanwhile is reported at once, as it succeeded, and the check goes on.
   */
  async function checkAfterBackup(job: JobRow, snapshot: SnapshotRow, signal: AbortSignal) {
    const checked = access.afterBackup(snapshot).catch((error: unknown) => access.logger.warn(`After backup ${job.id}: ${String(error)}`));
    if (signal.aborted) return;
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([checked, aborted]);
    signal.removeEventListener('abort', onAbort);
  }

  /** Ends the jobs of workers that stopped renewing their leases, as a job that failed. */
  async function failJobsOfLostWorkers() {
    const lost = await claims.failExpired(new Date(), LOST_WORKER_MESSAGE);
    lost.forEach((job) => announce.jobChanged(job));
    // A superseded grant kept only for these jobs is given back, as when a job ends.
    for (const grantId of new Set(lost.flatMap((job) => (job.grantId ? [job.grantId] : [])))) {
      void access.grantReleaser.releaseIfIdle(grantId);
    }
  }

  /**
   * Stops the jobs someone cancelled through another process, and those whose lease another
   * worker ended (this process stalled past it).
   */
  async function renew() {
    // Only the jobs asked about: one claimed while the renewal was on its way holds a fresh lease.
    const asked = [...running.keys()];
    const held = await claims.renewLeases(lease(), asked);
    for (const jobId of asked) {
      const job = held.get(jobId);
      if (!job || job.cancelRequested) running.get(jobId)?.abort();
    }
  }

  let beating = false;

  /** One heartbeat at a time: a slow database skips a beat rather than stacking them. */
  async function beat() {
    if (beating) return;
    beating = true;
    try {
      await renew();
      await failJobsOfLostWorkers();
      await pump();
    } finally {
      beating = false;
    }
  }

  return {
    /** Ends what dead workers left, then takes jobs, also those queued by other processes. */
    async start() {
      stopped = false;
      await access.snapshots.discardIncomplete();
      // Beating from the start: a database that fails this first round is tried again at the next beat.
      heartbeat ??= setInterval(() => {
        beat().catch((error: unknown) => access.logger.warn(`Job worker heartbeat failed: ${(error as Error).stack ?? String(error)}`));
      }, Math.min(HEARTBEAT_MS, leaseMs / 3)).unref();
      await failJobsOfLostWorkers();
      await pump();
    },

    wake: () => pumpLogged(),

    /**
     * Stops a queued job at once, and a running one at its next checkpoint: here, or within a
     * heartbeat in the process that runs it.
     */
    async cancel(jobId: string): Promise<void> {
      const cancelled = await claims.cancelQueued(jobId);
      if (cancelled) {
        announce.jobChanged(cancelled);
        if (cancelled.grantId) void access.grantReleaser.releaseIfIdle(cancelled.grantId);
      } else if (await claims.requestCancel(jobId)) running.get(jobId)?.abort();
    },

    /**
     * Stops running jobs at their next checkpoint and hands them back to the queue, for another
     * worker or this one's next start; a job someone asked to cancel ends cancelled.
     */
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      heartbeat = undefined;
      // A claim on its way hands its job back before the running ones are stopped.
      await pumping?.catch(() => undefined);
      for (const controller of running.values()) controller.abort();
      const deadline = Date.now() + 5000;
      while (running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all([snapshotReads.close(), recordSealer.close()]);
    },
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
