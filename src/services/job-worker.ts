import { buffer } from 'node:stream/consumers';
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { YogaLogger } from 'graphql-yoga';
import type { Db } from '../../db/client.ts';
import { instances, jobFailures, jobs, type JobRow, type JobStatus } from '../../db/schema.ts';
import type { Config } from '../config.ts';
import { decrypt } from '../crypto.ts';
import { JobStoppedError, TokenExpiredError } from '../errors.ts';
import { isGrantRejected, type ConnectedApp } from '../salesforce/oauth.ts';
import { ApiBudgetExceededError, CancelledError, SalesforceSession } from '../salesforce/session.ts';
import type { BlobStores } from '../storage/blob-store.ts';
import type { Announcements } from './announcements.ts';
import { runBackup } from './backup.ts';
import type { GrantReleaser } from './grant-releaser.ts';
import { runRestore, type RestoreParameters } from './restore.ts';
import { createRestoredRecordService } from './restored-records.ts';
import { createRestoreIntentService } from './restore-intents.ts';
import type { SnapshotService } from './snapshots.ts';
import type { TokenService } from './tokens.ts';

interface Dependencies {
  db: Db;
  config: Config;
  secretKey: Buffer;
  connectedApp: () => ConnectedApp;
  tokens: TokenService;
  snapshots: SnapshotService;
  blobs: BlobStores;
  grantReleaser: GrantReleaser;
  announce: Announcements;
  logger: YogaLogger;
}

const PROGRESS_EVENT_INTERVAL_MS = 250;
const RESTART_MESSAGE = 'The service restarted while this job was running; start it again';

/**
 * Runs queued jobs in this process: a few at once, never two on one instance. A job is claimed
 * by one synchronous UPDATE, so no two runners take the same job.
 */
export function createJobWorker(deps: Dependencies) {
  const { db, config, announce, logger } = deps;
  const restoredRecords = createRestoredRecordService(db);
  const running = new Map<string, AbortController>();
  let stopped = true;

  function claimNext(): JobRow | undefined {
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

  function finish(job: JobRow, status: JobStatus, error: string | null): JobRow {
    const finished = db
      .update(jobs)
      .set({ status, error, finishedAt: new Date(), accessTokenCiphertext: null })
      .where(eq(jobs.id, job.id))
      .returning()
      .get();
    announce.jobChanged(finished);
    return finished;
  }

  function pump() {
    while (!stopped && running.size < config.jobConcurrency) {
      const job = claimNext();
      if (!job) return;
      const controller = new AbortController();
      running.set(job.id, controller);
      announce.jobChanged(job);
      void run(job, controller.signal).finally(() => {
        running.delete(job.id);
        pump();
      });
    }
  }

  async function run(job: JobRow, signal: AbortSignal) {
    const instance = db.select().from(instances).where(eq(instances.id, job.instanceId)).get()!;
    const grant = job.grantId ? deps.tokens.grant(job.grantId) : undefined;
    let session: SalesforceSession | undefined;
    // Figures are saved and announced together, throttled leading and trailing: the latest go out
    // within one interval (they also expire cached answers), however fast pages arrive.
    let figures: Partial<Pick<JobRow, 'processed' | 'failed' | 'total'>> = {};
    let lastSaved = 0;
    let trailing: NodeJS.Timeout | undefined;
    const saveFigures = () => {
      clearTimeout(trailing);
      trailing = undefined;
      lastSaved = Date.now();
      const saved = db
        .update(jobs)
        .set({ ...figures, apiCalls: session?.apiCalls ?? 0 })
        .where(eq(jobs.id, job.id))
        .returning()
        .get();
      figures = {};
      return saved;
    };
    const progress = (values: typeof figures) => {
      Object.assign(figures, values);
      const wait = PROGRESS_EVENT_INTERVAL_MS - (Date.now() - lastSaved);
      if (wait <= 0) announce.jobChanged(saveFigures());
      else trailing ??= setTimeout(() => announce.jobChanged(saveFigures()), wait);
    };
    const addWarning = (warning: string) =>
      db.update(jobs).set({ warnings: sql`json_insert(${jobs.warnings}, '$[#]', ${warning})` }).where(eq(jobs.id, job.id)).run();
    try {
      if (!grant || !job.accessTokenCiphertext) throw new JobStoppedError('The job has no Salesforce session: reauthenticate the instance, then start the job again');
      session = new SalesforceSession({
        app: deps.connectedApp(),
        loginUrl: instance.loginUrl,
        instanceUrl: instance.instanceUrl!,
        accessToken: decrypt(deps.secretKey, job.accessTokenCiphertext),
        refreshToken: () => deps.tokens.refreshTokenOf(deps.tokens.grant(grant.id) ?? grant),
        onRefreshTokenRotated: (token) => deps.tokens.rotate(grant.id, token),
        retry: { attempts: config.salesforceRetries, baseDelayMs: config.salesforceRetryDelayMs },
        apiBudgetShare: config.apiBudgetShare,
        signal,
      });
      const checkpoint = session.throwIfCancelled.bind(session);
      if (job.kind === 'BACKUP') {
        const snapshot = await runBackup(job, session, deps.snapshots, {
          fullBackupEvery: config.fullBackupEvery,
          bulkThreshold: config.bulkQueryThreshold,
          blobs: deps.blobs.forOrganisation(job.organisationId),
          checkpoint,
          signal,
          onProgress: (processed, total) => progress({ processed, total }),
          onWarning: addWarning,
        });
        db.update(jobs).set({ snapshotId: snapshot.id }).where(eq(jobs.id, job.id)).run();
      } else {
        const params = job.parameters as unknown as RestoreParameters;
        const snapshot = deps.snapshots.get({ kind: 'operator' }, params.snapshotId);
        await runRestore(job, snapshot, session, deps.snapshots, params, {
          checkpoint,
          earlierNewIds: (sourceIds) => restoredRecords.newIds(job.instanceId, sourceIds),
          intents: createRestoreIntentService(db, job.instanceId, job.id),
          userId: instance.salesforceUserId ?? undefined,
          readBlob: (sha256) => buffer(deps.blobs.forOrganisation(job.organisationId).read(sha256)),
          onProgress: (processed, failed, total) => progress({ processed, failed, total }),
          onSummary: (restoreSummary) => db.update(jobs).set({ restoreSummary }).where(eq(jobs.id, job.id)).run(),
          onFailures: (failures) => db.insert(jobFailures).values(failures.map((f) => ({ ...f, jobId: job.id }))).run(),
          onWarning: addWarning,
        });
      }
      saveFigures();
      finish(job, 'SUCCEEDED', null);
    } catch (error) {
      saveFigures();
      if (job.kind === 'BACKUP') deps.snapshots.discardUnfinishedOf(job.id);
      if (stopped) finish(job, 'FAILED', 'The service stopped while this job was running; start it again');
      else if (error instanceof CancelledError || signal.aborted) finish(job, 'CANCELLED', null);
      else if (isGrantRejected(error)) {
        if (grant) {
          const rejection = deps.tokens.reject(grant.id);
          if (rejection.exhaustedNow) announce.tokensExhausted(rejection.instance, 'REVOKED_BY_SALESFORCE');
        }
        finish(job, 'FAILED', new TokenExpiredError(job.instanceId, 0, 0, 'REVOKED_BY_SALESFORCE').message);
      } else if (error instanceof ApiBudgetExceededError || error instanceof JobStoppedError) {
        finish(job, 'FAILED', error.message);
      } else {
        const { name, message } = error as Error;
        if (name?.match(/^[A-Z][A-Z0-9_]+$/)) finish(job, 'FAILED', `${name}: ${message}`); // Salesforce's code and its words
        else {
          // Never an internal exception's text: the details go to the log, the user gets what to do.
          logger.warn(`Job ${job.id} failed: ${(error as Error).stack ?? message}`);
          finish(job, 'FAILED', `The job stopped on an unexpected error in the service; nothing more was written. Start it again, and if it stops again, report job ${job.id}.`);
        }
      }
    } finally {
      clearTimeout(trailing);
      const usage = session?.apiUsage;
      const updated = usage
        ? db.update(instances).set({ apiUsageUsed: usage.used, apiUsageMax: usage.max }).where(eq(instances.id, instance.id)).returning().get()
        : instance;
      announce.instanceChanged(updated);
      if (grant) await deps.grantReleaser.releaseIfIdle(grant.id);
    }
  }

  return {
    /** Fails jobs a previous process left running (their snapshots were never completed), then starts work. */
    start() {
      stopped = false;
      deps.snapshots.discardIncomplete();
      const interrupted = db
        .update(jobs)
        .set({ status: 'FAILED', error: RESTART_MESSAGE, finishedAt: new Date(), accessTokenCiphertext: null })
        .where(eq(jobs.status, 'RUNNING'))
        .returning()
        .all();
      interrupted.forEach((job) => announce.jobChanged(job));
      // A superseded grant kept only for these jobs is given back, as when a job ends.
      for (const grantId of new Set(interrupted.flatMap((job) => (job.grantId ? [job.grantId] : [])))) {
        void deps.grantReleaser.releaseIfIdle(grantId);
      }
      pump();
    },

    wake: () => pump(),

    /** Stops a queued job at once and a running one at its next page. */
    cancel(job: JobRow): JobRow {
      if (job.status === 'QUEUED') {
        const cancelled = db
          .update(jobs)
          .set({ status: 'CANCELLED', finishedAt: new Date(), accessTokenCiphertext: null })
          .where(and(eq(jobs.id, job.id), eq(jobs.status, 'QUEUED')))
          .returning()
          .get();
        if (cancelled) {
          announce.jobChanged(cancelled);
          if (cancelled.grantId) void deps.grantReleaser.releaseIfIdle(cancelled.grantId);
          return cancelled;
        }
      }
      running.get(job.id)?.abort();
      return db.select().from(jobs).where(eq(jobs.id, job.id)).get()!;
    },

    /** Lets running jobs stop at their next checkpoint; they are failed on the next start if cut short. */
    async stop() {
      stopped = true;
      for (const controller of running.values()) controller.abort();
      const deadline = Date.now() + 5000;
      while (running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
