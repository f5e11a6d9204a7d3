import type { BackupPolicyRow, GrantRow, InstanceRow, RetentionPolicyRow, ScheduledRunRow } from '../../db/schema.ts';
import { InvalidInputError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import type { BackupPolicyInput, BackupPolicyService } from './backup-policies.ts';
import type { InstanceService } from './instances.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import type { PruneSummary, RetentionService } from './retention.ts';
import type { RetentionRules } from './retention-plan.ts';
import type { Viewer } from './viewer.ts';

const HISTORY_PAGE_SIZE = 20;

const byInstance = <T extends { instanceId: string }>(rows: T[]) => new Map(rows.map((row) => [row.instanceId, row]));

/** Unattended operation as the API sees it: backup policies, their runs, and retention, per instance the viewer may see. */
interface Dependencies {
  instances: InstanceService;
  policies: BackupPolicyService;
  retention: RetentionService;
  announce: Announcements;
  /** Tokens left at which an instance counts as running low. */
  tokenWarningAt: number;
}

export function createScheduleService({ instances, policies, retention, announce, tokenWarningAt }: Dependencies) {
  const visible = async (viewer: Viewer, ids: readonly string[]) => (await instances.byIds(viewer, ids)).map((instance) => instance.id);

  /** Changes the instance's settings and tells subscribers the instance changed. */
  async function changed(viewer: Viewer, instanceId: string, change: (instance: InstanceRow) => Promise<unknown>): Promise<InstanceRow> {
    const instance = await instances.get(viewer, instanceId);
    await change(instance);
    announce.instanceChanged(instance);
    return instance;
  }

  return {
    tokenWarningAt,

    /** The current grant of each instance (a grant health check's last word, whether Salesforce still accepts it). */
    async currentGrants(viewer: Viewer, ids: readonly string[]): Promise<Map<string, GrantRow>> {
      const grantIds = (await instances.byIds(viewer, ids)).flatMap((instance) => (instance.currentGrantId ? [instance.currentGrantId] : []));
      return byInstance(await policies.grants(grantIds));
    },

    policies: async (viewer: Viewer, ids: readonly string[]): Promise<Map<string, BackupPolicyRow>> => byInstance(await policies.byInstanceIds(await visible(viewer, ids))),

    lastRuns: async (viewer: Viewer, ids: readonly string[]): Promise<Map<string, ScheduledRunRow>> => byInstance(await policies.lastRuns(await visible(viewer, ids))),

    retentionPolicies: async (viewer: Viewer, ids: readonly string[]): Promise<Map<string, RetentionPolicyRow>> => byInstance(await retention.byInstanceIds(await visible(viewer, ids))),

    /** Scheduled runs of each instance, newest first. */
    async historyPages(viewer: Viewer, ids: readonly string[], request: PageRequest): Promise<Map<string, Page<ScheduledRunRow>>> {
      const size = pageSize(request, HISTORY_PAGE_SIZE);
      const position = request.after ? decodeCursor('scheduledRuns', request.after, ['number', 'string'] as const) : undefined;
      const after = position && { claimedAt: new Date(position[0]), id: position[1] };
      const cursorOf = (run: ScheduledRunRow) => encodeCursor('scheduledRuns', run.claimedAt.getTime(), run.id);
      const pages = new Map<string, Page<ScheduledRunRow>>(ids.map((id) => [id, pageOf<ScheduledRunRow>([], size, request, cursorOf)]));
      for (const id of await visible(viewer, ids)) {
        pages.set(id, pageOf(await policies.history(id, { after, limit: size + 1 }), size, request, cursorOf));
      }
      return pages;
    },

    setPolicy: (viewer: Viewer, instanceId: string, input: BackupPolicyInput) => changed(viewer, instanceId, (instance) => policies.set(instance.id, input)),

    clearPolicy: (viewer: Viewer, instanceId: string) => changed(viewer, instanceId, (instance) => policies.clear(instance.id)),

    setRetention: (viewer: Viewer, instanceId: string, rules: RetentionRules) => changed(viewer, instanceId, (instance) => retention.set(instance.id, rules)),

    clearRetention: (viewer: Viewer, instanceId: string) => changed(viewer, instanceId, (instance) => retention.clear(instance.id)),

    /** Prunes by the instance's retention (or shows, with dryRun, what would go; `rules` previews other settings). */
    async prune(viewer: Viewer, instanceId: string, dryRun: boolean, rules?: RetentionRules | null): Promise<PruneSummary> {
      const instance = await instances.get(viewer, instanceId);
      if (rules && !dryRun) throw new InvalidInputError('Other rules than the instance\'s can only be previewed: set them first, or pass dryRun: true', 'rules');
      const summary = await retention.prune(instance.id, { dryRun, rules: rules ?? undefined });
      if (!summary) throw new InvalidInputError('The instance has no retention policy: set one, or pass rules to preview', 'rules');
      if (!dryRun) announce.snapshotsPruned(instance, summary.pruned.map((snapshot) => snapshot.id));
      return summary;
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
