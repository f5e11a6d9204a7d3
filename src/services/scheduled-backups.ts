import type { JobReads } from '../../db/job-reads.ts';
import type { JobRow } from '../../db/schema.ts';
import { dailyApiUsage } from '../salesforce/limits.ts';
import type { ConnectedApp } from '../salesforce/oauth.ts';
import { GrantRefusedError, type GrantHealth } from './grant-health.ts';
import type { InstanceStore } from '../../db/instance-store.ts';
import type { Announcements } from './announcements.ts';
import type { JobStarter } from './job-starter.ts';

export type ScheduledStart = { job: JobRow } | { skipped: string };

interface Dependencies {
  instanceStore: Pick<InstanceStore, 'recordApiUsage' | 'byId'>;
  jobs: Pick<JobReads, 'activeOnInstance'>;
  grantHealth: GrantHealth;
  starter: Pick<JobStarter, 'queue'>;
  announce: Announcements;
  connectedApp: () => ConnectedApp;
  /** Share of the org's daily API limit a backup may bring usage up to. */
  apiBudgetShare: number;
}

/**
 * Starts a scheduled backup. It spends no token: it runs on the instance's grant for as long as
 * Salesforce accepts it, even once every token is spent. Whatever keeps it from starting is the
 * run's reason for being skipped.
 */
export function createScheduledBackups({ instanceStore, jobs, grantHealth, starter, announce, connectedApp, apiBudgetShare }: Dependencies) {
  return {
    async start(instanceId: string, objects: string[]): Promise<ScheduledStart> {
      const instance = await instanceStore.byId(instanceId);
      if (!instance) return { skipped: 'The instance no longer exists' };
      if (!(await grantHealth.liveGrant(instance))) {
        return { skipped: instance.currentGrantId ? "Salesforce refused the instance's grant: reauthenticate it" : 'The instance is not connected to Salesforce' };
      }
      if (await jobs.activeOnInstance(instanceId)) return { skipped: 'A job was already running on the instance' };

      let opened: Awaited<ReturnType<GrantHealth['session']>>;
      try {
        opened = await grantHealth.session(instance);
      } catch (error) {
        if (error instanceof GrantRefusedError) return { skipped: error.message };
        return { skipped: `Salesforce could not be reached: ${(error as Error).message}` };
      }
      if (!opened) return { skipped: "Salesforce refused the instance's grant: reauthenticate it" };

      const usage = await dailyApiUsage(opened.session, connectedApp().apiVersion).catch(() => undefined);
      if (usage) {
        const recorded = await instanceStore.recordApiUsage(instanceId, usage);
        if (recorded) announce.instanceChanged(recorded);
        if (usage.used >= usage.max * apiBudgetShare) {
          return {
            skipped: `The org's API budget is spent: ${usage.used} of ${usage.max} daily API calls used (budget ${Math.round(apiBudgetShare * 100)} %)`,
          };
        }
      }
      const job = await starter.queue(instance, opened.grant, opened.session, {
        instanceId,
        objects,
        parameters: { kind: 'BACKUP', full: false },
      });
      return { job };
    },
  };
}

export type ScheduledBackups = ReturnType<typeof createScheduledBackups>;
