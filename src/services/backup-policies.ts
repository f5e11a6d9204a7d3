import type { BackupPolicyStore, RunPosition } from '../../db/policy-store.ts';
import type { BackupFrequency, BackupPolicyRow, GrantRow, ScheduledRunRow } from '../../db/schema.ts';
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
export function createBackupPolicyService(store: BackupPolicyStore, now: () => Date) {
  return {
    byInstanceIds: (instanceIds: readonly string[]): Promise<BackupPolicyRow[]> => store.byInstanceIds(instanceIds),

    find: (instanceId: string): Promise<BackupPolicyRow | undefined> => store.find(instanceId),

    /** Checks and stores a policy; its first run is at the window's next opening (or now). */
    set(instanceId: string, input: BackupPolicyInput): Promise<BackupPolicyRow> {
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
      return store.save(instanceId, {
        frequency: input.frequency,
        cron,
        windowStartMinute: window?.startMinute ?? null,
        windowMinutes: window?.minutes ?? null,
        objects,
        enabled,
        anchorAt,
        nextRunAt,
        updatedAt: at,
      });
    },

    clear: (instanceId: string): Promise<boolean> => store.clear(instanceId),

    /** Enabled policies whose next run is due. */
    due: (at: Date): Promise<BackupPolicyRow[]> => store.due(at),

    /** The newest scheduled run of each instance. */
    lastRuns: (instanceIds: readonly string[]): Promise<ScheduledRunRow[]> => store.lastRuns(instanceIds),

    /** A page of an instance's scheduled runs, newest first. */
    history: (instanceId: string, page: { after?: RunPosition; limit: number }): Promise<ScheduledRunRow[]> => store.history(instanceId, page),

    /** The grants named (the instances' current ones, which scheduled backups run on). */
    grants: (grantIds: readonly string[]): Promise<GrantRow[]> => store.grants(grantIds),
  };
}

export type BackupPolicyService = ReturnType<typeof createBackupPolicyService>;
