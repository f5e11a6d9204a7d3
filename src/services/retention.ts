import type { RetentionPolicyStore } from '../../db/policy-store.ts';
import type { RetentionPolicyRow, SnapshotRow } from '../../db/schema.ts';
import type { SnapshotPruning } from '../../db/snapshot-pruning.ts';
import { InvalidInputError } from '../errors.ts';
import type { BlobSweep } from './blob-sweep.ts';
import { planRetention, type RetentionRules } from './retention-plan.ts';

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
  policies: RetentionPolicyStore;
  pruning: SnapshotPruning;
  blobSweep: BlobSweep;
  now: () => Date;
}

/**
 * Retention per instance: the rules, what they would prune, and pruning itself. One prune at a
 * time in this process; a prune's steps are safe to repeat if another process prunes too.
 */
export function createRetentionService({ policies, pruning, blobSweep, now }: Dependencies) {
  let inFlight: Promise<unknown> = Promise.resolve();

  async function plan(instanceId: string, rules: RetentionRules) {
    const [complete, pinned] = await Promise.all([pruning.completeSnapshots(instanceId), pruning.pinnedSnapshots(instanceId)]);
    return planRetention(complete, rules, now(), new Set(pinned));
  }

  async function prune(instanceId: string, rules: RetentionRules, dryRun: boolean): Promise<PruneSummary> {
    const { keep, prune: doomed } = await plan(instanceId, rules);
    const oldestFirst = [...doomed].sort((a, b) => a.sequence - b.sequence);
    const summary: PruneSummary = { dryRun, pruned: oldestFirst, kept: keep.length, recordVersionsDeleted: 0, filesDeleted: null, fileBytesBefore: 0, fileBytesAfter: 0 };
    if (dryRun || doomed.length === 0) return summary;
    const outcome = await pruning.prune(oldestFirst.map((snapshot) => snapshot.id));
    summary.recordVersionsDeleted = outcome.recordVersionsDeleted;
    summary.fileBytesBefore = outcome.bytesBefore;
    summary.fileBytesAfter = outcome.bytesAfter;
    summary.filesDeleted = await blobSweep.sweep();
    return summary;
  }

  /** Runs prunes one after another in this process. */
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const next = inFlight.then(work, work);
    inFlight = next.catch(() => {});
    return next;
  }

  return {
    policy: (instanceId: string): Promise<RetentionPolicyRow | undefined> => policies.find(instanceId),

    byInstanceIds: (instanceIds: readonly string[]): Promise<RetentionPolicyRow[]> => policies.byInstanceIds(instanceIds),

    set: (instanceId: string, rules: RetentionRules): Promise<RetentionPolicyRow> => policies.save(instanceId, { ...checkRules(rules), updatedAt: now() }),

    clear: (instanceId: string): Promise<void> => policies.clear(instanceId),

    /** Applies the instance's rules (or those given, to preview other settings). */
    async prune(instanceId: string, options: { dryRun: boolean; rules?: RetentionRules }): Promise<PruneSummary | null> {
      const rules = options.rules ? checkRules(options.rules) : await policies.find(instanceId);
      if (!rules) return null;
      if (options.dryRun) return prune(instanceId, rules, true);
      return serially(() => prune(instanceId, rules, false));
    },

    /** Prunes every instance that has rules (the retention pass, `src/jobs/retention-pass.ts`). */
    pruneAll(): Promise<PruneSummary[]> {
      return serially(async () => {
        const summaries: PruneSummary[] = [];
        for (const policy of await policies.all()) summaries.push(await prune(policy.instanceId, policy, false));
        return summaries;
      });
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
