import { describe, expect, it } from 'vitest';
import { planRetention } from '../../src/services/retention-plan.ts';
import { checkCron, nextSlot, ScheduleError, tierAnchor, type ScheduleShape } from '../../src/services/schedule-times.ts';

const at = (iso: string) => new Date(iso);
const DAY = 86_400_000;

describe('schedule slots', () => {
  it('puts an hour tier every period after its anchor, and the first slot after downtime once', () => {
    const shape: ScheduleShape = { frequency: 'EVERY_18_HOURS', cron: null, window: null, anchorAt: at('2026-03-01T06:00:00Z') };
    expect(nextSlot(shape, at('2026-03-01T06:00:00Z'))).toEqual(at('2026-03-02T00:00:00Z'));
    expect(nextSlot(shape, at('2026-03-02T00:00:00Z'))).toEqual(at('2026-03-02T18:00:00Z'));
    // Three days down: the next slot is the first after now, not the first missed one.
    expect(nextSlot(shape, at('2026-03-05T01:00:00Z'))).toEqual(at('2026-03-05T18:00:00Z'));
  });

  it('moves a slot outside the start window to its next opening, across midnight too', () => {
    const shape: ScheduleShape = { frequency: 'EVERY_12_HOURS', cron: null, window: { startMinute: 22 * 60, minutes: 4 * 60 }, anchorAt: at('2026-03-01T22:00:00Z') };
    expect(nextSlot(shape, at('2026-03-01T22:00:00Z'))).toEqual(at('2026-03-02T22:00:00Z'));
    expect(tierAnchor(shape.window, at('2026-03-02T01:30:10Z'))).toEqual(at('2026-03-02T01:31:00Z'));
    expect(tierAnchor(shape.window, at('2026-03-02T12:00:00Z'))).toEqual(at('2026-03-02T22:00:00Z'));
  });

  it('follows a cron expression in UTC and refuses bad or too frequent ones', () => {
    const shape: ScheduleShape = { frequency: 'CRON', cron: checkCron('30 2 * * 1-5'), window: null, anchorAt: at('2026-03-01T00:00:00Z') };
    // 2026-03-06 is a Friday: the next weekday run is Monday the 9th.
    expect(nextSlot(shape, at('2026-03-06T03:00:00Z'))).toEqual(at('2026-03-09T02:30:00Z'));
    expect(() => checkCron('*/5 * * * *')).toThrow(ScheduleError);
    expect(() => checkCron('0 25 * * *')).toThrow(/Not a valid cron expression/);
    expect(() => checkCron('0 0 * *')).toThrow(/five fields/);
  });
});

describe('grandfather-father-son retention', () => {
  const now = at('2026-06-30T12:00:00Z');
  // One snapshot every 12 hours for 120 days, newest first in the names.
  const snapshots = Array.from({ length: 240 }, (_, i) => ({ id: `s${i}`, createdAt: new Date(now.getTime() - i * (DAY / 2) - 3600_000) }));

  it('keeps every snapshot of D days, one a day for W weeks, one a week for M months, and the last K', () => {
    const { keep, prune } = planRetention(snapshots, { keepAllDays: 2, dailyWeeks: 1, weeklyMonths: 1, keepLast: 3 }, now);
    expect(keep.length + prune.length).toBe(240);
    const ages = keep.map((s) => (now.getTime() - s.createdAt.getTime()) / DAY);
    // All of the last two days (4 snapshots at 12-hour spacing).
    expect(ages.filter((age) => age < 2)).toHaveLength(4);
    // One a day for the week before.
    const daily = keep.filter((s) => s.createdAt.getTime() < now.getTime() - 2 * DAY && s.createdAt.getTime() >= now.getTime() - 9 * DAY);
    expect(new Set(daily.map((s) => Math.floor(s.createdAt.getTime() / DAY))).size).toBe(daily.length);
    expect(daily.length).toBeGreaterThanOrEqual(7);
    // Nothing older than the weekly tier's month.
    expect(Math.max(...ages)).toBeLessThan(9 + 31);
    const weekly = keep.filter((s) => s.createdAt.getTime() < now.getTime() - 9 * DAY);
    expect(weekly.length).toBeGreaterThanOrEqual(4);
    expect(weekly.length).toBeLessThanOrEqual(5);
  });

  it('never keeps fewer than the last K, and keeps snapshots a restore is reading', () => {
    const old = snapshots.slice(200);
    const { keep } = planRetention(old, { keepAllDays: 0, dailyWeeks: 0, weeklyMonths: 0, keepLast: 5 }, now, new Set(['s239']));
    expect(keep.map((s) => s.id)).toEqual(['s200', 's201', 's202', 's203', 's204', 's239']);
  });
});
