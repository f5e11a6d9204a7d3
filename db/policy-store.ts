import type { backupPolicies, BackupPolicyRow, GrantRow, retentionPolicies, RetentionPolicyRow, ScheduledRunRow } from './schema.ts';

export type BackupPolicyValues = Omit<typeof backupPolicies.$inferInsert, 'instanceId'>;
/** Where a page of an instance's runs starts: after this run, newest first. */
export interface RunPosition {
  claimedAt: Date;
  id: string;
}

export type RetentionPolicyValues = Omit<typeof retentionPolicies.$inferInsert, 'instanceId'>;

/**
 * Backup policies (when each instance is backed up on its own) and the runs the scheduler recorded
 * for them. Each database engine implements them its own way (db/sqlite, db/pg).
 */
export interface BackupPolicyStore {
  /** The policies of those of the instances that have one. */
  byInstanceIds(instanceIds: readonly string[]): Promise<BackupPolicyRow[]>;
  find(instanceId: string): Promise<BackupPolicyRow | undefined>;
  /** Stores the instance's policy in one statement, replacing the one it had. */
  save(instanceId: string, values: BackupPolicyValues): Promise<BackupPolicyRow>;
  /** Whether there was a policy to remove. */
  clear(instanceId: string): Promise<boolean>;
  /** Enabled policies whose next run is at or before `at`. */
  due(at: Date): Promise<BackupPolicyRow[]>;
  /** The newest scheduled run of each of the instances that had one. */
  lastRuns(instanceIds: readonly string[]): Promise<ScheduledRunRow[]>;
  /** Up to `limit` of an instance's scheduled runs, newest first, after the run at `after`. */
  history(instanceId: string, page: { after?: RunPosition; limit: number }): Promise<ScheduledRunRow[]>;
  /** The grants named: an instance's current grant is what its scheduled backups run on. */
  grants(grantIds: readonly string[]): Promise<GrantRow[]>;
}

/** Retention policies: how long each instance's snapshots are kept. */
export interface RetentionPolicyStore {
  /** The policies of those of the instances that have one. */
  byInstanceIds(instanceIds: readonly string[]): Promise<RetentionPolicyRow[]>;
  find(instanceId: string): Promise<RetentionPolicyRow | undefined>;
  /** Every instance's policy (the retention pass prunes each). */
  all(): Promise<RetentionPolicyRow[]>;
  /** Stores the instance's rules in one statement, replacing those it had. */
  save(instanceId: string, values: RetentionPolicyValues): Promise<RetentionPolicyRow>;
  clear(instanceId: string): Promise<void>;
}
