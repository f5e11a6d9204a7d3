import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { RunClaims } from '../run-claims.ts';
import type { PgDb } from './client.ts';
import { backupPolicies, scheduledRuns } from './schema.ts';

/**
 * The scheduler's claims on PostgreSQL. The guarded UPDATE takes the policy's row lock: a second
 * scheduler's UPDATE waits for the first to commit, then finds `nextRunAt` moved and changes nothing.
 */
export function postgresRunClaims(db: PgDb): RunClaims {
  return {
    claim: (instanceId, due, next, startsNow, now) =>
      db.transaction(async (tx) => {
        const moved = await tx
          .update(backupPolicies)
          .set({ nextRunAt: next })
          .where(and(eq(backupPolicies.instanceId, instanceId), eq(backupPolicies.nextRunAt, due), eq(backupPolicies.enabled, true)))
          .returning({ instanceId: backupPolicies.instanceId });
        if (moved.length === 0 || !startsNow) return undefined;
        const [run] = await tx
          .insert(scheduledRuns)
          .values({ id: randomUUID(), instanceId, scheduledFor: due, claimedAt: now, outcome: 'STARTED' })
          .onConflictDoNothing()
          .returning();
        return run;
      }),

    settle: async (runId, settlement) => (await db.update(scheduledRuns).set(settlement).where(eq(scheduledRuns.id, runId)).returning())[0],

    async closeAbandoned(claimedBefore, reason) {
      await db
        .update(scheduledRuns)
        .set({ outcome: 'SKIPPED', reason })
        .where(and(eq(scheduledRuns.outcome, 'STARTED'), isNull(scheduledRuns.jobId), lt(scheduledRuns.claimedAt, claimedBefore)));
    },
  };
}
