/** The shapes the dashboard's queries and subscriptions return (see operations.ts). */

export type Environment = 'PRODUCTION' | 'SANDBOX';
export type InstanceStatus = 'CONNECTED' | 'NOT_CONNECTED' | 'REAUTH_REQUIRED';
export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Lists read without cursors take a connection's `nodes`. */
interface Page<T> {
  nodes: T[];
  pageInfo?: { hasNextPage: boolean };
}

export interface Failure {
  object: string;
  recordId: string | null;
  statusCode: string;
  message: string;
}

export interface Job {
  id: string;
  kind: 'BACKUP' | 'RESTORE';
  status: JobStatus;
  objects: string[];
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  apiCalls: number;
  progress: { processed: number; failed: number; total: number | null; percent: number | null };
  instance: { id: string };
  failures: Page<Failure>;
}

export interface Snapshot {
  id: string;
  createdAt: string;
  incremental: boolean;
  recordCount: number;
  objects: { name: string; recordCount: number; deletedCount: number }[];
}

/** An instance as subscriptions push it: no jobs or snapshots. */
export interface InstanceSummary {
  id: string;
  name: string;
  environment: Environment;
  status: InstanceStatus;
  username: string | null;
  salesforceOrgId: string | null;
  lastAuthenticatedAt: string | null;
  tokenLimit: number;
  tokensRemaining: number;
  tokensUsed: number;
  apiUsage: { used: number; max: number } | null;
}

export interface InstanceDetails extends InstanceSummary {
  jobs: Page<Job>;
  snapshots: Page<Snapshot>;
}

export interface Organisation {
  id: string;
  name: string;
  instances: InstanceDetails[];
}
