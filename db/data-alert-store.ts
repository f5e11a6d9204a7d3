import type { dataAlerts, DataAlertRow, DataAlertThresholdRow } from './schema.ts';

export type NewDataAlert = Omit<typeof dataAlerts.$inferInsert, 'createdAt' | 'acknowledgedAt' | 'acknowledgedBy'>;
export type AlertThreshold = Omit<DataAlertThresholdRow, 'instanceId'>;

/** Where a page of an instance's alerts starts: after this alert, newest first. */
export interface AlertPosition {
  createdAt: Date;
  id: string;
}

/**
 * Mass-change alerts and the thresholds that raise them, per instance. Each database engine
 * implements them its own way (db/sqlite, db/pg).
 */
export interface DataAlertStore {
  /** The instance's own threshold; undefined when it has none set. */
  threshold(instanceId: string): Promise<AlertThreshold | undefined>;
  /** Stores the instance's threshold in one statement, replacing the one it had. */
  setThreshold(instanceId: string, threshold: AlertThreshold): Promise<void>;
  byIds(ids: readonly string[]): Promise<DataAlertRow[]>;
  /** Adds the alert; undefined when its snapshot has raised one already (the unique index says so, whoever raised it). */
  raise(alert: NewDataAlert): Promise<DataAlertRow | undefined>;
  /** Up to `limit` of the instance's alerts, newest first, after `after`; `unacknowledged` leaves out those seen to. */
  page(instanceId: string, options: { after?: AlertPosition; unacknowledged: boolean; limit: number }): Promise<DataAlertRow[]>;
  /** Marks it seen to by `by`; undefined when it is gone. */
  acknowledge(id: string, by: string, at: Date): Promise<DataAlertRow | undefined>;
}
