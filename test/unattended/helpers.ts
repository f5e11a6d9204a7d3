import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../src/jobs/scheduler.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';

/** A clock the test moves by hand; the scheduler reads it instead of the system's. */
export class FakeClock implements Clock {
  private at: number;
  constructor(start: string | Date) {
    this.at = new Date(start).getTime();
  }
  now() {
    return new Date(this.at);
  }
  set(to: string | Date) {
    this.at = new Date(to).getTime();
  }
  advance(ms: number) {
    this.at += ms;
  }
}

export const HOUR = 3_600_000;

/** The database id inside a global id. */
export const rawId = (id: string) => Buffer.from(id, 'base64url').toString('utf8').split(':')[1];

export const SET_POLICY = `mutation ($instanceId: ID!, $frequency: BackupFrequency!, $cron: String, $windowStart: String, $windowHours: Int, $objects: [String!], $enabled: Boolean) {
  setBackupPolicy(instanceId: $instanceId, frequency: $frequency, cron: $cron, windowStart: $windowStart, windowHours: $windowHours, objects: $objects, enabled: $enabled) {
    __typename
    ... on Instance { nextBackupAt policy { frequency cron windowStart windowHours objects enabled nextRunAt } }
    ... on InvalidInput { message field }
    ... on Error { message }
  }
}`;

export const SCHEDULE_STATE = `query ($id: ID!) {
  instance(id: $id) {
    ... on Instance {
      status tokensRemaining nextBackupAt
      lastScheduledRun { status reason scheduledFor job { id status } }
      scheduledRuns(first: 20) { nodes { status reason scheduledFor job { id status } } }
    }
  }
}`;

export const START_BACKUP = `mutation ($instanceId: ID!) {
  startBackup(instanceId: $instanceId) {
    __typename
    ... on Job { id status }
    ... on TokenExpired { message reason tokensUsed }
    ... on Error { message }
  }
}`;

const JOB_STATUS = `query ($id: ID!) { job(id: $id) { ... on Job { status error } } }`;

/** Waits until the job has ended; returns its status. */
export async function jobEnded(client: GraphQLClient, jobId: string, timeoutMs = 30_000): Promise<{ status: string; error: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await client.query(JOB_STATUS, { id: jobId })).job;
    if (!['QUEUED', 'RUNNING'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`Job ${jobId} still ${job.status}`);
    await sleep(50);
  }
}
