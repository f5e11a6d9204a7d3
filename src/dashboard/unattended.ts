import { JOB_STATUS_LABEL } from './format.ts';

/** Documents and shapes of an instance's schedule, retention and warnings. */

export const STATE = `query ($id: ID!) {
  instance(id: $id) {
    ... on Instance {
      tokensLow grantLive nextBackupAt grantCheckedAt
      policy { frequency cron windowStart windowHours objects enabled }
      lastScheduledRun { status reason claimedAt job { status } }
      scheduledRuns(first: 10) { nodes { status reason scheduledFor claimedAt job { status } } }
      retention { keepAllDays dailyWeeks weeklyMonths keepLast }
    }
  }
}`;

export const SET_POLICY = `mutation ($instanceId: ID!, $frequency: BackupFrequency!, $cron: String, $windowStart: String, $windowHours: Int, $objects: [String!], $enabled: Boolean) {
  setBackupPolicy(instanceId: $instanceId, frequency: $frequency, cron: $cron, windowStart: $windowStart, windowHours: $windowHours, objects: $objects, enabled: $enabled) {
    __typename ... on Error { message }
  }
}`;
export const CLEAR_POLICY = `mutation ($instanceId: ID!) { clearBackupPolicy(instanceId: $instanceId) { __typename ... on Error { message } } }`;
export const SET_RETENTION = `mutation ($instanceId: ID!, $rules: RetentionRulesInput!) {
  setRetentionPolicy(instanceId: $instanceId, rules: $rules) { __typename ... on Error { message } }
}`;
export const PRUNE = `mutation ($instanceId: ID!, $dryRun: Boolean!, $rules: RetentionRulesInput) {
  pruneSnapshots(instanceId: $instanceId, dryRun: $dryRun, rules: $rules) {
    __typename
    ... on PruneSummary { kept pruned { id createdAt incremental } }
    ... on Error { message }
  }
}`;

export type Frequency = 'EVERY_12_HOURS' | 'EVERY_18_HOURS' | 'EVERY_24_HOURS' | 'CRON';
export interface Run {
  status: 'STARTED' | 'SKIPPED';
  reason: string | null;
  scheduledFor?: string;
  claimedAt: string;
  job: { status: keyof typeof JOB_STATUS_LABEL } | null;
}
export interface Rules {
  keepAllDays: number;
  dailyWeeks: number;
  weeklyMonths: number;
  keepLast: number;
}
export interface State {
  tokensLow: boolean;
  grantLive: boolean;
  nextBackupAt: string | null;
  grantCheckedAt: string | null;
  policy: { frequency: Frequency; cron: string | null; windowStart: string | null; windowHours: number | null; objects: string[]; enabled: boolean } | null;
  lastScheduledRun: Run | null;
  scheduledRuns: { nodes: Run[] };
  retention: Rules | null;
}
export type Answer = { __typename: string; message?: string };

export const FREQUENCIES: [Frequency, string][] = [
  ['EVERY_12_HOURS', 'Every 12 hours'],
  ['EVERY_18_HOURS', 'Every 18 hours'],
  ['EVERY_24_HOURS', 'Every 24 hours'],
  ['CRON', 'Cron expression'],
];
export const DEFAULT_RULES: Rules = { keepAllDays: 7, dailyWeeks: 4, weeklyMonths: 12, keepLast: 3 };

export const runLabel = (run: Run) =>
  run.status === 'SKIPPED' ? `Skipped: ${run.reason ?? ''}` : run.job ? `Started, ${JOB_STATUS_LABEL[run.job.status].toLowerCase()}` : 'Starting';

/** Sends one of these mutations for the instance, says how it went, and reads the state again. */
export type Send = (query: string, variables: Record<string, unknown>, field: string, done: string) => Promise<Answer | undefined>;
