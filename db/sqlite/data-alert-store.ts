import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { AlertPosition, AlertThreshold, DataAlertStore, NewDataAlert } from '../data-alert-store.ts';
import { olderThan } from '../keyset.ts';
import { dataAlerts, dataAlertThresholds } from '../schema.ts';
import { promised } from './promised.ts';

const after = ({ createdAt, id }: AlertPosition) => olderThan(dataAlerts.createdAt, dataAlerts.id, createdAt, id);

/** Data alerts on SQLite. */
export function sqliteDataAlertStore(db: Db): DataAlertStore {
  function threshold(instanceId: string): AlertThreshold | undefined {
    const row = db.select().from(dataAlertThresholds).where(eq(dataAlertThresholds.instanceId, instanceId)).get();
    return row && { percent: row.percent, minRecords: row.minRecords };
  }
  const setThreshold = (instanceId: string, values: AlertThreshold) =>
    void db
      .insert(dataAlertThresholds)
      .values({ instanceId, ...values })
      .onConflictDoUpdate({ target: dataAlertThresholds.instanceId, set: values })
      .run();
  const byIds = (ids: readonly string[]) =>
    db
      .select()
      .from(dataAlerts)
      .where(inArray(dataAlerts.id, [...ids]))
      .all();
  const raise = (alert: NewDataAlert) => db.insert(dataAlerts).values(alert).onConflictDoNothing().returning().get();
  const page = (instanceId: string, options: { after?: AlertPosition; unacknowledged: boolean; limit: number }) =>
    db
      .select()
      .from(dataAlerts)
      .where(and(eq(dataAlerts.instanceId, instanceId), options.unacknowledged ? isNull(dataAlerts.acknowledgedAt) : undefined, options.after && after(options.after)))
      .orderBy(desc(dataAlerts.createdAt), desc(dataAlerts.id))
      .limit(options.limit)
      .all();
  const acknowledge = (id: string, by: string, at: Date) =>
    db.update(dataAlerts).set({ acknowledgedAt: at, acknowledgedBy: by }).where(eq(dataAlerts.id, id)).returning().get();
  return {
    threshold: promised(threshold),
    setThreshold: promised(setThreshold),
    byIds: promised(byIds),
    raise: promised(raise),
    page: promised(page),
    acknowledge: promised(acknowledge),
  };
}
