import type { YogaLogger } from 'graphql-yoga';
import type { RunClaims } from '../../db/run-claims.ts';
import type { BackupPolicyRow, ScheduledRunRow } from '../../db/schema.ts';
import { shapeOf, type BackupPolicyService } from '../services/backup-policies.ts';
import { inWindow, nextSlot, windowOpening } from '../services/schedule-times.ts';
import type { ScheduledStart } from '../services/scheduled-backups.ts';
import type { AuditLog } from '../services/audit.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** How often the scheduler looks for due runs. */
export const SCHEDULER_INTERVAL_MS = 30_000;

/** A claimed run that never got an outcome this long after (its process died) is recorded as skipped. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

interface Dependencies {
  runClaims: RunClaims;
  clock: Clock;
  policies: BackupPolicyService;
  audit: AuditLog;
  start: (instanceId: string, objects: string[]) => Promise<ScheduledStart>;
  /** Tells subscribers the instance's schedule moved (a run recorded, a run deferred). */
  scheduleChanged: (instanceId: string) => void;
  /** Called after a tick that started at least one run (retention prunes then). */
  afterRuns?: () => void;
  logger: YogaLogger;
  /** How often due runs are looked for. */
  intervalMs: number;
}

/**
 * Starts scheduled backups. Each due run is claimed from the database by moving the policy's
 * `nextRunAt` on with one UPDATE guarded by the value read, so of two processes (or two ticks)
 * only one starts it (db/run-claims.ts). The next slot is the first after now: after downtime the missed slots
 * run once, not once each.
 */
export function createScheduler({ runClaims, clock, policies, audit, start, scheduleChanged, afterRuns, logger, intervalMs }: Dependencies) {
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<ScheduledRunRow[]> | undefined;

  /** Claims the policy's due run, or only moves it to the window's next opening. */
  function claim(policy: BackupPolicyRow, now: Date): Promise<ScheduledRunRow | undefined> {
    const shape = shapeOf(policy);
    const defer = !inWindow(shape.window, now);
    const next = defer ? windowOpening(shape.window, now) : nextSlot(shape, now);
    return runClaims.claim(policy.instanceId, policy.nextRunAt!, next, !defer, now);
  }

  async function run(policy: BackupPolicyRow, claimed: ScheduledRunRow): Promise<ScheduledRunRow> {
    let result: ScheduledStart;
    try {
      result = await start(policy.instanceId, policy.objects);
    } catch (error) {
      logger.warn(`Scheduled backup of instance ${policy.instanceId} could not start: ${(error as Error).stack ?? String(error)}`);
      result = { skipped: 'The service failed to start the backup; the next scheduled run will try again' };
    }
    const outcome = 'job' in result ? { jobId: result.job.id } : { outcome: 'SKIPPED' as const, reason: result.skipped };
    await audit.record({
      actor: 'scheduler',
      action: 'scheduledBackup',
      target: { type: 'Instance', id: policy.instanceId },
      ...('job' in result ? { outcome: 'SUCCEEDED', detail: 'Backup queued' } : { outcome: 'FAILED', detail: result.skipped }),
    });
    return runClaims.settle(claimed.id, outcome);
  }

  async function tickOnce(): Promise<ScheduledRunRow[]> {
    const now = clock.now();
    await runClaims.closeAbandoned(new Date(now.getTime() - ABANDONED_AFTER_MS), 'The service stopped while starting this run');
    const runs: ScheduledRunRow[] = [];
    for (const policy of await policies.due(now)) {
      const claimed = await claim(policy, now);
      if (claimed) runs.push(await run(policy, claimed));
      scheduleChanged(policy.instanceId);
    }
    if (runs.length > 0) afterRuns?.();
    return runs;
  }

  return {
    /** Starts every run that is due now; one tick at a time. Returns the runs it claimed. */
    tick(): Promise<ScheduledRunRow[]> {
      ticking ??= tickOnce().finally(() => {
        ticking = undefined;
      });
      return ticking;
    },

    start() {
      timer ??= setInterval(() => {
        this.tick().catch((error: unknown) => logger.warn(`Scheduler tick failed: ${(error as Error).stack ?? String(error)}`));
      }, intervalMs);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await ticking;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
