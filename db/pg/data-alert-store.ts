import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { AlertPosition, DataAlertStore } from '../data-alert-store.ts';
import { olderThan } from '../keyset.ts';
import type { PgDb } from './client.ts';
import { dataAlerts, dataAlertThresholds } from './schema.ts';

const after = ({ createdAt, id }: AlertPosition) => olderThan(dataAlerts.createdAt, dataAlerts.id, createdAt, id);

/** Data alerts on PostgreSQL. */
export function postgresDataAlertStore(db: PgDb): DataAlertStore {
  return {
    async threshold(instanceId) {
      const [row] = await db.select().from(dataAlertThresholds).where(eq(dataAlertThresholds.instanceId, instanceId));
      return row && { percent: row.percent, minRecords: row.minRecords };
    },

    async setThreshold(instanceId, values) {
      await db
        .insert(dataAlertThresholds)
        .values({ instanceId, ...values })
        .onConflictDoUpdate({ target: dataAlertThresholds.instanceId, set: values });
    },

    byIds: (ids) => db.select().from(dataAlerts).where(sql`${dataAlerts.id} = any(${sql.param([...ids])}::text[])`),

    raise: async (alert) => (await db.insert(dataAlerts).values(alert).onConflictDoNothing().returning())[0],

    page: (instanceId, options) =>
      db
        .select()
        .from(dataAlerts)
        .where(and(eq(dataAlerts.instanceId, instanceId), options.unacknowledged ? isNull(dataAlerts.acknowledgedAt) : undefined, options.after && after(options.after)))
        .orderBy(desc(dataAlerts.createdAt), desc(dataAlerts.id))
        .limit(options.limit),

    acknowledge: async (id, by, at) => (await db.update(dataAlerts).set({ acknowledgedAt: at, acknowledgedBy: by }).where(eq(dataAlerts.id, id)).returning())[0],
  };
}
