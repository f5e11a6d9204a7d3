import type { YogaLogger } from 'graphql-yoga';
import type { GrantCheck, GrantHealth } from '../services/grant-health.ts';

/**
 * Checks every connected instance's grant with a refresh (no token spent) every interval, so a
 * grant Salesforce stopped accepting is announced before anyone starts a job on it.
 */
export function createGrantChecks(grantHealth: GrantHealth, intervalMs: number, logger: YogaLogger) {
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<Map<string, GrantCheck>> | undefined;

  const runOnce = (): Promise<Map<string, GrantCheck>> => {
    checking ??= grantHealth.checkAll().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  return {
    runOnce,

    start() {
      timer ??= setInterval(() => {
        runOnce().catch((error: unknown) => logger.warn(`Grant checks failed: ${(error as Error).stack ?? String(error)}`));
      }, intervalMs);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await checking?.catch(() => {});
    },
  };
}

export type GrantChecks = ReturnType<typeof createGrantChecks>;
