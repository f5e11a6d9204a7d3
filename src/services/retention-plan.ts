const DAY = 86_400_000;

export interface RetentionRules {
  /** Every snapshot younger than this many days stays. */
  keepAllDays: number;
  /** Then, for this many weeks, the newest snapshot of each day (UTC). */
  dailyWeeks: number;
  /** Then, for this many months, the newest snapshot of each week (weeks start on Monday, UTC). */
  weeklyMonths: number;
  /** Never fewer than this many of the newest snapshots, whatever their age. */
  keepLast: number;
}

export interface DatedSnapshot {
  id: string;
  createdAt: Date;
}

export interface RetentionPlan<T extends DatedSnapshot> {
  keep: T[];
  prune: T[];
}

const dayOf = (at: Date) => Math.floor(at.getTime() / DAY);
// 1970-01-01 was a Thursday: shifting by three days makes weeks start on Monday.
const weekOf = (at: Date) => Math.floor((dayOf(at) + 3) / 7);

function monthsBefore(at: Date, months: number): Date {
  const earlier = new Date(at);
  earlier.setUTCMonth(earlier.getUTCMonth() - months);
  return earlier;
}

/**
 * Grandfather-father-son: which snapshots a retention policy keeps at `now`. The tiers follow
 * each other back in time: all of the last D days, then one a day for W weeks before that, then
 * one a week for M months before that. Snapshots in `pinned` (a restore reads them) always stay.
 */
export function planRetention<T extends DatedSnapshot>(snapshots: T[], rules: RetentionRules, now: Date, pinned: ReadonlySet<string> = new Set()): RetentionPlan<T> {
  const newestFirst = [...snapshots].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const allSince = new Date(now.getTime() - rules.keepAllDays * DAY);
  const dailySince = new Date(allSince.getTime() - rules.dailyWeeks * 7 * DAY);
  const weeklySince = monthsBefore(dailySince, rules.weeklyMonths);
  const daysTaken = new Set<number>();
  const weeksTaken = new Set<number>();
  const keep: T[] = [];
  const prune: T[] = [];
  for (const [index, snapshot] of newestFirst.entries()) {
    const at = snapshot.createdAt;
    const kept =
      index < rules.keepLast ||
      pinned.has(snapshot.id) ||
      at >= allSince ||
      (at >= dailySince && !daysTaken.has(dayOf(at))) ||
      (at < dailySince && at >= weeklySince && !weeksTaken.has(weekOf(at)));
    if (kept) {
      // A day or week already represented by a kept snapshot needs no other.
      daysTaken.add(dayOf(at));
      weeksTaken.add(weekOf(at));
    }
    (kept ? keep : prune).push(snapshot);
  }
  return { keep, prune };
}
