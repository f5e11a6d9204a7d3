import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.ts';
import { jobs, retentionPolicies, snapshots, type RetentionPolicyRow, type SnapshotRow } from '../../db/schema.ts';
import { InvalidInputError } from '../errors.ts';
import type { BlobSweep } from './blob-sweep.ts';
import { planRetention, type RetentionRules } from './retention-plan.ts';
import type { SnapshotPruner } from './snapshot-pruning.ts';

export interface PruneSummary {
  dryRun: boolean;
  /** The snapshots that went (or, in a dry run, would go), oldest first. */
  pruned: SnapshotRow[];
  kept: number;
  recordVersionsDeleted: number;
  /** Null in a dry run, or when a backup ran meanwhile and the files wait for the next prune. */
  filesDeleted: number | null;
  fileBytesBefore: number;
  fileBytesAfter: number;
}

const LIMITS: Record<keyof RetentionRules, [min: number, max: number]> = {
  keepAllDays: [0, 3650],
  dailyWeeks: [0, 520],
  weeklyMonths: [0, 120],
  keepLast: [1, 1000],
};

function checkRules(rules: RetentionRules): RetentionRules {
  for (const [field, [min, max]] of Object.entries(LIMITS) as [keyof RetentionRules, [number, number]][]) {
    const value = rules[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(`${field} must be a whole number from ${min} to ${max}`, field, [String(value)]);
    }
  }
  return rules;
}

interface Dependencies {
  database: Pick<DatabaseHandle, 'db' | 'sqlite'>;
  databaseFile: string;
  pruner: SnapshotPruner;
  blobSweep: BlobSweep;
  now: () => Date;
}

/**
 * Retention per instance: the rules, what they would prune, and pruning itself. One prune at a
 * time in this process; a prune's steps are safe to repeat if another process prunes too.
 */
export function createRetentionService({ database, databaseFile, pruner, blobSweep, now }: Dependencies) {
  const { db } = database;
  let pruning: Promise<unknown> = Promise.resolve();

  /** Snapshots a queued or running restore reads: they stay whatever the rules say. */
  function pinnedSnapshots(instanceId: string): Set<string> {
    const rows = db
      .select({ snapshotId: jobs.snapshotId })
      .from(jobs)
      .where(and(eq(jobs.instanceId, instanceId), eq(jobs.kind, 'RESTORE'), inArray(jobs.status, ['QUEUED', 'RUNNING'])))
      .all();
    return new Set(rows.flatMap((row) => (row.snapshotId ? [row.snapshotId] : [])));
  }

  function plan(instanceId: string, rules: RetentionRules) {
    const complete = db
      .select()
      .from(snapshots)
      .where(and(eq(snapshots.instanceId, instanceId), isNotNull(snapshots.completedAt)))
      .orderBy(asc(snapshots.sequence))
      .all();
    return planRetention(complete, rules, now(), pinnedSnapshots(instanceId));
  }

  const policyOf = (instanceId: string) => db.select().from(retentionPolicies).where(eq(retentionPolicies.instanceId, instanceId)).get();

  async function prune(instanceId: string, rules: RetentionRules, dryRun: boolean): Promise<PruneSummary> {
    const { keep, prune: doomed } = plan(instanceId, rules);
    const oldestFirst = [...doomed].sort((a, b) => a.sequence - b.sequence);
    const summary: PruneSummary = { dryRun, pruned: oldestFirst, kept: keep.length, recordVersionsDeleted: 0, filesDeleted: null, fileBytesBefore: 0, fileBytesAfter: 0 };
    if (dryRun || doomed.length === 0) return summary;
    const outcome = await pruner.prune(oldestFirst.map((snapshot) => snapshot.id));
    summary.recordVersionsDeleted = outcome.recordVersionsDeleted;
    summary.filesDeleted = await blobSweep.sweep();
    const space = await pruner.reclaimSpace(databaseFile);
    summary.fileBytesBefore = space.bytesBefore;
    summary.fileBytesAfter = space.bytesAfter;
    return summary;
  }

  /** Runs prunes one after another in this process. */
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const next = pruning.then(work, work);
    pruning = next.catch(() => {});
    return next;
  }

  return {
    policy: policyOf,

    byInstanceIds(instanceIds: readonly string[]): RetentionPolicyRow[] {
      return db.select().from(retentionPolicies).where(inArray(retentionPolicies.instanceId, [...instanceIds])).all();
    },

    set(instanceId: string, rules: RetentionRules): RetentionPolicyRow {
      const values = { ...checkRules(rules), updatedAt: now() };
      return db
        .insert(retentionPolicies)
        .values({ instanceId, ...values })
        .onConflictDoUpdate({ target: retentionPolicies.instanceId, set: values })
        .returning()
        .get();
    },

    clear(instanceId: string): void {
      db.delete(retentionPolicies).where(eq(retentionPolicies.instanceId, instanceId)).run();
    },

    /** Applies the instance's rules (or those given, to preview other settings). */
    prune(instanceId: string, options: { dryRun: boolean; rules?: RetentionRules }): Promise<PruneSummary | null> {
      const rules = options.rules ? checkRules(options.rules) : policyOf(instanceId);
      if (!rules) return Promise.resolve(null);
      if (options.dryRun) return prune(instanceId, rules, true);
      return serially(() => prune(instanceId, rules, false));
    },

    /** Prunes every instance that has rules (the retention pass, `src/jobs/retention-pass.ts`). */
    pruneAll(): Promise<PruneSummary[]> {
      return serially(async () => {
        const summaries: PruneSummary[] = [];
        for (const policy of db.select().from(retentionPolicies).all()) summaries.push(await prune(policy.instanceId, policy, false));
        return summaries;
      });
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
