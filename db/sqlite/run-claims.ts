import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { RunClaims, RunSettlement } from '../run-claims.ts';
import { backupPolicies, scheduledRuns } from '../schema.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';

/** The scheduler's claims on SQLite: one IMMEDIATE transaction each. */
export function sqliteRunClaims(db: Db): RunClaims {
  function claim(instanceId: string, due: Date, next: Date, startsNow: boolean, now: Date) {
    return writeTransaction(db, (tx) => {
      const moved = tx
        .update(backupPolicies)
        .set({ nextRunAt: next })
        .where(and(eq(backupPolicies.instanceId, instanceId), eq(backupPolicies.nextRunAt, due), eq(backupPolicies.enabled, true)))
        .run().changes;
      if (moved === 0 || !startsNow) return undefined;
      return tx
        .insert(scheduledRuns)
        .values({ id: randomUUID(), instanceId, scheduledFor: due, claimedAt: now, outcome: 'STARTED' })
        .onConflictDoNothing()
        .returning()
        .get();
    });
  }

  const settle = (runId: string, settlement: RunSettlement) => db.update(scheduledRuns).set(settlement).where(eq(scheduledRuns.id, runId)).returning().get();

  function closeAbandoned(claimedBefore: Date, reason: string) {
    db.update(scheduledRuns)
      .set({ outcome: 'SKIPPED', reason })
      .where(and(eq(scheduledRuns.outcome, 'STARTED'), isNull(scheduledRuns.jobId), lt(scheduledRuns.claimedAt, claimedBefore)))
      .run();
  }

  return { claim: promised(claim), settle: promised(settle), closeAbandoned: promised(closeAbandoned) };
}
