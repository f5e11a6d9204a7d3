import { and, desc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { backupPolicies, scheduledRuns, type BackupFrequency, type BackupPolicyRow, type ScheduledRunRow } from '../../db/schema.ts';
import { InvalidInputError } from '../errors.ts';
import { checkCron, nextSlot, ScheduleError, tierAnchor, type ScheduleShape, type StartWindow } from './schedule-times.ts';

export interface BackupPolicyInput {
  frequency: BackupFrequency;
  cron?: string | null;
  /** "HH:MM" (UTC) and a length in hours; both or neither. */
  windowStart?: string | null;
  windowHours?: number | null;
  objects?: string[] | null;
  enabled?: boolean | null;
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

export function shapeOf(policy: BackupPolicyRow): ScheduleShape {
  const window = policy.windowStartMinute === null || policy.windowMinutes === null ? null : { startMinute: policy.windowStartMinute, minutes: policy.windowMinutes };
  return { frequency: policy.frequency, cron: policy.cron, window, anchorAt: policy.anchorAt };
}

function checkWindow(input: BackupPolicyInput): StartWindow | null {
  const { windowStart, windowHours } = input;
  if (windowStart == null && windowHours == null) return null;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(windowStart ?? '');
  if (!match) throw new InvalidInputError('windowStart must be a UTC time of day as HH:MM', 'windowStart', [windowStart ?? '']);
  if (windowHours == null || !Number.isInteger(windowHours) || windowHours < 1 || windowHours > 24) {
    throw new InvalidInputError('windowHours must be a whole number of hours from 1 to 24', 'windowHours', [String(windowHours)]);
  }
  return { startMinute: Number(match[1]) * 60 + Number(match[2]), minutes: windowHours * 60 };
}

function checkObjects(objects: string[] | null | undefined): string[] {
  const names = [...new Set(objects ?? [])];
  const bad = names.filter((name) => !API_NAME.test(name));
  if (bad.length > 0) throw new InvalidInputError(`Not Salesforce object API names: ${bad.join(', ')}`, 'objects', bad);
  return names;
}

/**
 * Backup policies: when each instance is backed up on its own. The scheduler (src/jobs/scheduler.ts)
 * claims due runs from here.
 */
export function createBackupPolicyService(db: Db, now: () => Date) {
  return {
    byInstanceIds(instanceIds: readonly string[]): BackupPolicyRow[] {
      return db.select().from(backupPolicies).where(inArray(backupPolicies.instanceId, [...instanceIds])).all();
    },

    find(instanceId: string): BackupPolicyRow | undefined {
      return db.select().from(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)).get();
    },

    /** Checks and stores a policy; its first run is at the window's next opening (or now). */
    set(instanceId: string, input: BackupPolicyInput): BackupPolicyRow {
      let cron: string | null = null;
      if (input.frequency === 'CRON') {
        if (!input.cron) throw new InvalidInputError('A CRON frequency needs a cron expression', 'cron');
        try {
          cron = checkCron(input.cron);
        } catch (error) {
          if (error instanceof ScheduleError) throw new InvalidInputError(error.message, 'cron', [input.cron]);
          throw error;
        }
      } else if (input.cron) {
        throw new InvalidInputError('A cron expression goes only with the CRON frequency', 'cron', [input.cron]);
      }
      const window = checkWindow(input);
      const objects = checkObjects(input.objects);
      const enabled = input.enabled ?? true;
      const at = now();
      const anchorAt = tierAnchor(window, at);
      const shape: ScheduleShape = { frequency: input.frequency, cron, window, anchorAt };
      const nextRunAt = !enabled ? null : input.frequency === 'CRON' ? nextSlot(shape, at) : anchorAt;
      const values = {
        frequency: input.frequency,
        cron,
        windowStartMinute: window?.startMinute ?? null,
        windowMinutes: window?.minutes ?? null,
        objects,
        enabled,
        anchorAt,
        nextRunAt,
        updatedAt: at,
      };
      return db
        .insert(backupPolicies)
        .values({ instanceId, ...values })
        .onConflictDoUpdate({ target: backupPolicies.instanceId, set: values })
        .returning()
        .get();
    },

    clear(instanceId: string): boolean {
      return db.delete(backupPolicies).where(eq(backupPolicies.instanceId, instanceId)).run().changes > 0;
    },

    /** Enabled policies whose next run is due. */
    due(at: Date): BackupPolicyRow[] {
      return db
        .select()
        .from(backupPolicies)
        .where(and(eq(backupPolicies.enabled, true), isNotNull(backupPolicies.nextRunAt), lte(backupPolicies.nextRunAt, at)))
        .all();
    },

    /** The newest scheduled run of each instance. */
    lastRuns(instanceIds: readonly string[]): ScheduledRunRow[] {
      const newest = db
        .select({ instanceId: scheduledRuns.instanceId, claimedAt: sql<number>`max(${scheduledRuns.claimedAt})`.as('newest') })
        .from(scheduledRuns)
        .where(inArray(scheduledRuns.instanceId, [...instanceIds]))
        .groupBy(scheduledRuns.instanceId)
        .as('newest');
      return db
        .select({ run: scheduledRuns })
        .from(scheduledRuns)
        .innerJoin(newest, and(eq(newest.instanceId, scheduledRuns.instanceId), eq(newest.claimedAt, scheduledRuns.claimedAt)))
        .all()
        .map((row) => row.run);
    },

    /** An instance's scheduled runs, newest first. */
    history(instanceId: string, limit: number): ScheduledRunRow[] {
      return db.select().from(scheduledRuns).where(eq(scheduledRuns.instanceId, instanceId)).orderBy(desc(scheduledRuns.claimedAt)).limit(limit).all();
    },
  };
}

export type BackupPolicyService = ReturnType<typeof createBackupPolicyService>;
