import { setImmediate as nextTurn } from 'node:timers/promises';
import type { YogaLogger } from 'graphql-yoga';
import type { AuditLog } from '../services/audit.ts';

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Removes audit entries older than the retention at start-up and every hour, a bounded step at a
 * time with the event loop free in between, so a long backlog never holds the database for long.
 */
export function createAuditRetention(audit: AuditLog, retentionDays: number, logger: YogaLogger) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - retentionDays * DAY_MS);
    let removed = 0;
    for (let step = await audit.pruneStep(cutoff); step > 0; step = await audit.pruneStep(cutoff)) {
      removed += step;
      if (stopped) break;
      await nextTurn();
    }
    return removed;
  }

  function run() {
    running ??= prune()
      .then((removed) => {
        if (removed > 0) logger.info(`Audit log: ${removed} entries older than ${retentionDays} days removed`);
        return removed;
      })
      .catch((error: unknown) => {
        logger.error('Audit log pruning failed:', error);
        return 0;
      })
      .finally(() => (running = undefined));
  }

  return {
    /** One pass to the end, whatever the schedule: for tests and for start-up. */
    prune,
    start() {
      timer = setInterval(run, PRUNE_EVERY_MS).unref();
      run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
