import { randomUUID } from 'node:crypto';
import type { AlertPosition, DataAlertStore } from '../../db/data-alert-store.ts';
import type { InstanceStore } from '../../db/instance-store.ts';
import { type DataAlertObjectValue, type DataAlertRow, type InstanceRow, type JobRow, type SnapshotRow } from '../../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import type { AuditLog } from './audit.ts';
import type { CompareService, Comparison } from './compare.ts';
import type { RestoreOptions, RestoreRequest } from './jobs.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import { chooseObjects, type SnapshotService } from './snapshots.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

export interface DataAlertThreshold {
  /** Share of an object's records deleted or changed since the previous backup, in percent. */
  percent: number;
  /** And at least this many records. */
  minRecords: number;
}

export const DEFAULT_DATA_ALERT_THRESHOLD: DataAlertThreshold = { percent: 10, minRecords: 100 };

const ALERTS_PAGE_SIZE = 20;
const alertCursor = (alert: DataAlertRow) => encodeCursor('dataAlerts', alert.createdAt.getTime(), alert.id);

/** Whether an object's changes since the previous backup pass the threshold. */
export function passesThreshold(change: DataAlertObjectValue, threshold: DataAlertThreshold): boolean {
  const affected = change.deleted + change.updated;
  return change.previousCount > 0 && affected >= threshold.minRecords && affected * 100 >= threshold.percent * change.previousCount;
}

/**
 * Mass-change alerts: after each backup, the snapshot is compared with the previous one, and the
 * objects whose deleted and changed records pass the instance's threshold raise one alert.
 */
interface Dependencies {
  instances: InstanceStore;
  store: DataAlertStore;
  storage: SnapshotService;
  compare: CompareService;
  announce: Announcements;
  audit: AuditLog;
  startRestore: (viewer: Viewer, request: RestoreRequest) => Promise<JobRow>;
}

export function createDataAlertService(deps: Dependencies) {
  const { instances, store, storage, compare, announce } = deps;

  const visibleInstance = async (viewer: Viewer, instanceId: string): Promise<InstanceRow> => {
    const instance = await instances.byId(instanceId);
    if (!instance || !canSeeOrganisation(viewer, instance.organisationId)) throw new NotFoundError('Instance', instanceId);
    return instance;
  };

  const thresholdOf = async (instanceId: string): Promise<DataAlertThreshold> => (await store.threshold(instanceId)) ?? DEFAULT_DATA_ALERT_THRESHOLD;

  const byIds = async (viewer: Viewer, ids: readonly string[]): Promise<DataAlertRow[]> =>
    (await store.byIds(ids)).filter((alert) => canSeeOrganisation(viewer, alert.organisationId));

  async function get(viewer: Viewer, id: string): Promise<DataAlertRow> {
    const [alert] = await byIds(viewer, [id]);
    if (!alert) throw new NotFoundError('DataAlert', id);
    return alert;
  }

  return {
    byIds,
    get,
    thresholdOf,

    async setThreshold(viewer: Viewer, instanceId: string, threshold: DataAlertThreshold): Promise<InstanceRow> {
      const instance = await visibleInstance(viewer, instanceId);
      if (!(threshold.percent > 0 && threshold.percent <= 100)) throw new InvalidInputError('percent must be more than 0 and at most 100', 'percent');
      if (!Number.isInteger(threshold.minRecords) || threshold.minRecords < 0) throw new InvalidInputError('minRecords must be a whole number of at least 0', 'minRecords');
      await store.setThreshold(instanceId, threshold);
      // Answers showing the instance's threshold are stale now.
      announce.instanceChanged(instance);
      return instance;
    },

    /** Compares a backup's snapshot with the previous one; returns the alert it raised, if any. */
    async afterBackup(snapshot: SnapshotRow): Promise<DataAlertRow | undefined> {
      const previous = await compare.recordChanges(snapshot);
      if (!previous) return undefined;
      const threshold = await thresholdOf(snapshot.instanceId);
      const previousCounts = new Map((await storage.objectsOf([previous.id])).map((o) => [o.name, o.recordCount]));
      const passed = (await compare.counts(await compare.comparison(previous, snapshot)))
        .map((counts) => ({ ...counts, previousCount: previousCounts.get(counts.object) ?? 0 }))
        .filter((change) => passesThreshold(change, threshold));
      if (passed.length === 0) return undefined;
      const { organisationId } = (await instances.byId(snapshot.instanceId))!;
      const alert = await store.raise({
        id: randomUUID(),
        organisationId,
        instanceId: snapshot.instanceId,
        snapshotId: snapshot.id,
        previousSnapshotId: previous.id,
        objects: passed,
        ...threshold,
      });
      if (alert) {
        announce.dataAlertChanged(alert);
        await deps.audit.record({
          actor: 'system',
          action: 'dataAlert',
          target: { type: 'Snapshot', id: snapshot.id },
          organisationId,
          outcome: 'SUCCEEDED',
          detail: `Raised for ${passed.map((change) => change.object).join(', ')}`,
        });
      }
      return alert;
    },

    /** An instance's alerts, newest first; `unacknowledged` leaves out those already seen to. */
    async pageForInstance(viewer: Viewer, instanceId: string, request: PageRequest & { unacknowledged?: boolean | null }): Promise<Page<DataAlertRow>> {
      await visibleInstance(viewer, instanceId);
      const size = pageSize(request, ALERTS_PAGE_SIZE);
      let after: AlertPosition | undefined;
      if (request.after) {
        const [createdAt, id] = decodeCursor('dataAlerts', request.after, ['number', 'string'] as const);
        after = { createdAt: new Date(createdAt), id };
      }
      const rows = await store.page(instanceId, { after, unacknowledged: Boolean(request.unacknowledged), limit: size + 1 });
      return pageOf(rows, size, request, alertCursor);
    },

    async acknowledge(viewer: Viewer, id: string): Promise<DataAlertRow> {
      const alert = await get(viewer, id);
      if (alert.acknowledgedAt) return alert;
      const acknowledged = await store.acknowledge(id, viewer.kind === 'operator' ? 'operator' : viewer.keyName, new Date());
      // Deleted with its snapshot meanwhile.
      if (!acknowledged) throw new NotFoundError('DataAlert', id);
      announce.dataAlertChanged(acknowledged);
      return acknowledged;
    },

    /** The comparison an alert was raised from: its previous snapshot to its own. */
    comparisonOf: (viewer: Viewer, alert: DataAlertRow): Promise<Comparison> => compare.compare(viewer, alert.previousSnapshotId, alert.snapshotId),

    /**
     * Starts a restore, from the snapshot before the alert, of exactly the records the alert counts
     * as deleted or changed, in all its objects or those named.
     */
    async restore(viewer: Viewer, id: string, options: RestoreOptions): Promise<JobRow> {
      const alert = await get(viewer, id);
      const objects = chooseObjects(options.objects, alert.objects.map((o) => o.object), 'the alert');
      const comparison = await compare.compare(viewer, alert.previousSnapshotId, alert.snapshotId);
      const recordIds: string[] = [];
      for (const object of objects) for await (const slice of compare.changedIds(comparison, object, ['DELETED', 'UPDATED'])) recordIds.push(...slice);
      return deps.startRestore(viewer, {
        snapshotId: alert.previousSnapshotId,
        objects,
        recordIds,
        overwrite: options.overwrite,
        includeChildren: false,
        dryRun: options.dryRun,
      });
    },
  };
}

export type DataAlertService = ReturnType<typeof createDataAlertService>;
