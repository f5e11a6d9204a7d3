import type { YogaLogger } from 'graphql-yoga';
import type { PruneSummary, RetentionService } from '../services/retention.ts';

/**
 * Applies every instance's retention rules at start-up, every interval, and when asked (after
 * scheduled runs). Snapshots fall out of a policy as days pass, not only when a backup runs, so an
 * instance with rules and no schedule is pruned too. One pass at a time.
 */
export function createRetentionPass(retention: RetentionService, pruned: (summary: PruneSummary) => void, intervalMs: number, logger: YogaLogger) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function run(): Promise<void> {
    running ??= retention
      .pruneAll()
      .then((summaries) => {
        for (const summary of summaries) if (summary.pruned.length > 0) pruned(summary);
      })
      .catch((error: unknown) => logger.warn(`Pruning failed: ${(error as Error).stack ?? String(error)}`))
      .finally(() => (running = undefined));
    return running;
  }

  return {
    run,
    start() {
      timer ??= setInterval(() => void run(), intervalMs).unref();
      void run();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type RetentionPass = ReturnType<typeof createRetentionPass>;
