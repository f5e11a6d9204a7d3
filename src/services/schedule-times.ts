import { CronExpressionParser } from 'cron-parser';
import type { BackupFrequency } from '../../db/schema.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const TIER_HOURS: Record<Exclude<BackupFrequency, 'CRON'>, number> = {
  EVERY_12_HOURS: 12,
  EVERY_18_HOURS: 18,
  EVERY_24_HOURS: 24,
};

/** Scheduled backups never come closer together than this, whatever a cron expression says. */
export const MINIMUM_INTERVAL_MINUTES = 60;

export interface StartWindow {
  /** Minutes after midnight UTC. */
  startMinute: number;
  minutes: number;
}

export interface ScheduleShape {
  frequency: BackupFrequency;
  cron: string | null;
  window: StartWindow | null;
  /** The hour tiers' slots are this instant plus whole periods. */
  anchorAt: Date;
}

export class ScheduleError extends Error {}

function cronAfter(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
}

/**
 * Checks a cron expression: five fields (minute to weekday, UTC), valid, and no two runs closer
 * than the minimum interval.
 */
export function checkCron(expression: string): string {
  const trimmed = expression.trim().replace(/\s+/g, ' ');
  if (trimmed.split(' ').length !== 5) throw new ScheduleError('A cron expression has five fields: minute, hour, day of month, month, day of week');
  let times: Date[];
  try {
    const parsed = CronExpressionParser.parse(trimmed, { currentDate: new Date(Date.UTC(2030, 0, 1)), tz: 'UTC' });
    times = parsed.take(50).map((time) => time.toDate());
  } catch (error) {
    throw new ScheduleError(`Not a valid cron expression: ${(error as Error).message}`);
  }
  for (let i = 1; i < times.length; i++) {
    if (times[i].getTime() - times[i - 1].getTime() < MINIMUM_INTERVAL_MINUTES * MINUTE) {
      throw new ScheduleError(`Scheduled backups must be at least ${MINIMUM_INTERVAL_MINUTES} minutes apart`);
    }
  }
  return trimmed;
}

export function inWindow(window: StartWindow | null, at: Date): boolean {
  if (!window || window.minutes >= 24 * 60) return true;
  const minuteOfDay = Math.floor((at.getTime() % DAY) / MINUTE);
  return (minuteOfDay - window.startMinute + 24 * 60) % (24 * 60) < window.minutes;
}

/** The first time at or after `at` that the window is open. */
export function windowOpening(window: StartWindow | null, at: Date): Date {
  if (inWindow(window, at)) return at;
  const dayStart = Math.floor(at.getTime() / DAY) * DAY;
  const opening = dayStart + window!.startMinute * MINUTE;
  return new Date(opening > at.getTime() ? opening : opening + DAY);
}

function frequencySlotAfter(shape: ScheduleShape, after: Date): Date {
  if (shape.frequency === 'CRON') return cronAfter(shape.cron!, after);
  const period = TIER_HOURS[shape.frequency] * HOUR;
  const anchor = shape.anchorAt.getTime();
  const periods = Math.floor((after.getTime() - anchor) / period) + 1;
  return new Date(anchor + periods * period);
}

/**
 * The first run strictly after `after`: the frequency's next slot, moved to the window's next
 * opening when it falls outside the window.
 */
export function nextSlot(shape: ScheduleShape, after: Date): Date {
  return windowOpening(shape.window, frequencySlotAfter(shape, after));
}

/** Where an hour tier counts from: the window's next opening, or now. */
export function tierAnchor(window: StartWindow | null, now: Date): Date {
  return windowOpening(window, new Date(Math.ceil(now.getTime() / MINUTE) * MINUTE));
}
