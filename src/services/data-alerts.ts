import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  dataAlerts,
  dataAlertThresholds,
  instances,
  type DataAlertObjectValue,
  type DataAlertRow,
  type InstanceRow,
  type JobRow,
  type SnapshotRow,
} from '../../db/schema.ts';
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
  db: Db;
  storage: SnapshotService;
  compare: CompareService;
  announce: Announcements;
  audit: AuditLog;
  startRestore: (viewer: Viewer, request: RestoreRequest) => Promise<JobRow>;
}

export function createDataAlertService(deps: Dependencies) {
  const { db, storage, compare, announce } = deps;

  const visibleInstance = (viewer: Viewer, instanceId: string): InstanceRow => {
    const instance = db.select().from(instances).where(eq(instances.id, instanceId)).get();
    if (!instance || !canSeeOrganisation(viewer, instance.organisationId)) throw new NotFoundError('Instance', instanceId);
    return instance;
  };

  function thresholdOf(instanceId: string): DataAlertThreshold {
    const row = db.select().from(dataAlertThresholds).where(eq(dataAlertThresholds.instanceId, instanceId)).get();
    return row ? { percent: row.percent, minRecords: row.minRecords } : DEFAULT_DATA_ALERT_THRESHOLD;
  }

  function byIds(viewer: Viewer, ids: readonly string[]): DataAlertRow[] {
    return db
      .select()
      .from(dataAlerts)
      .where(inArray(dataAlerts.id, [...ids]))
      .all()
      .filter((alert) => canSeeOrganisation(viewer, alert.organisationId));
  }

  function get(viewer: Viewer, id: string): DataAlertRow {
    const [alert] = byIds(viewer, [id]);
    if (!alert) throw new NotFoundError('DataAlert', id);
    return alert;
  }

  return {
    byIds,
    get,
    thresholdOf,

    setThreshold(viewer: Viewer, instanceId: string, threshold: DataAlertThreshold): InstanceRow {
      const instance = visibleInstance(viewer, instanceId);
      if (!(threshold.percent > 0 && threshold.percent <= 100)) throw new InvalidInputError('percent must be more than 0 and at most 100', 'percent');
      if (!Number.isInteger(threshold.minRecords) || threshold.minRecords < 0) throw new InvalidInputError('minRecords must be a whole number of at least 0', 'minRecords');
      db.insert(dataAlertThresholds)
        .values({ instanceId, ...threshold })
        .onConflictDoUpdate({ target: dataAlertThresholds.instanceId, set: threshold })
        .run();
      // Answers showing the instance's threshold are stale now.
      announce.instanceChanged(instance);
      return instance;
    },

    /** Compares a backup's snapshot with the previous one; returns the alert it raised, if any. */
    async afterBackup(snapshot: SnapshotRow): Promise<DataAlertRow | undefined> {
      const previous = await compare.recordChanges(snapshot);
      if (!previous) return undefined;
      const threshold = thresholdOf(snapshot.instanceId);
      const previousCounts = new Map((await storage.objectsOf([previous.id])).map((o) => [o.name, o.recordCount]));
      const passed = (await compare.counts(await compare.comparison(previous, snapshot)))
        .map((counts) => ({ ...counts, previousCount: previousCounts.get(counts.object) ?? 0 }))
        .filter((change) => passesThreshold(change, threshold));
      if (passed.length === 0) return undefined;
      const { organisationId } = db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, snapshot.instanceId)).get()!;
      const alert = db
        .insert(dataAlerts)
        .values({
          id: randomUUID(),
          organisationId,
          instanceId: snapshot.instanceId,
          snapshotId: snapshot.id,
          previousSnapshotId: previous.id,
          objects: passed,
          ...threshold,
        })
        .onConflictDoNothing()
        .returning()
        .get();
      if (alert) {
        announce.dataAlertChanged(alert);
        deps.audit.record({
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
    pageForInstance(viewer: Viewer, instanceId: string, request: PageRequest & { unacknowledged?: boolean | null }): Page<DataAlertRow> {
      visibleInstance(viewer, instanceId);
      const size = pageSize(request, ALERTS_PAGE_SIZE);
      let before: SQL | undefined;
      if (request.after) {
        const [createdAt, id] = decodeCursor('dataAlerts', request.after, ['number', 'string'] as const);
        const at = new Date(createdAt);
        before = or(lt(dataAlerts.createdAt, at), and(eq(dataAlerts.createdAt, at), lt(dataAlerts.id, id)));
      }
      const rows = db
        .select()
        .from(dataAlerts)
        .where(and(eq(dataAlerts.instanceId, instanceId), request.unacknowledged ? isNull(dataAlerts.acknowledgedAt) : undefined, before))
        .orderBy(desc(dataAlerts.createdAt), desc(dataAlerts.id))
        .limit(size + 1)
        .all();
      return pageOf(rows, size, request, alertCursor);
    },

    acknowledge(viewer: Viewer, id: string): DataAlertRow {
      const alert = get(viewer, id);
      if (alert.acknowledgedAt) return alert;
      const acknowledged = db
        .update(dataAlerts)
        .set({ acknowledgedAt: new Date(), acknowledgedBy: viewer.kind === 'operator' ? 'operator' : viewer.keyName })
        .where(eq(dataAlerts.id, id))
        .returning()
        .get();
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
      const alert = get(viewer, id);
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
