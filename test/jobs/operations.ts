import { expect } from 'vitest';
import type { GraphQLClient } from '../helpers/graphql-client.ts';

export const JOB_FIELDS = `id kind status error apiCalls objects warnings
  progress { processed failed total percent }
  snapshot { id incremental recordCount objects { name state reason recordCount deletedCount blobCount blobBytes } }
  failures(first: 100) { nodes { object recordId statusCode message } }
  restoreSummary { dryRun undeleted created updated unchanged skipped failed objects { object undeleted created updated unchanged skipped failed changes { recordId field from to } } }`;

export const START_BACKUP = `mutation ($instanceId: ID!, $objects: [String!], $full: Boolean) {
  startBackup(instanceId: $instanceId, objects: $objects, full: $full) {
    __typename ... on Job { id status } ... on InvalidInput { message field values } ... on Error { message }
  }
}`;

export const START_RESTORE = `mutation ($snapshotId: ID!, $objects: [String!], $recordIds: [ID!], $overwrite: Boolean, $includeChildren: Boolean, $targetInstanceId: ID, $dryRun: Boolean) {
  startRestore(snapshotId: $snapshotId, objects: $objects, recordIds: $recordIds, overwrite: $overwrite, includeChildren: $includeChildren, targetInstanceId: $targetInstanceId, dryRun: $dryRun) {
    __typename ... on Job { id status } ... on InvalidInput { message field values } ... on Error { message }
  }
}`;

const JOB = `query ($id: ID!) { job(id: $id) { ... on Job { ${JOB_FIELDS} } } }`;

export async function jobState(client: GraphQLClient, id: string) {
  return (await client.query(JOB, { id })).job;
}

/** Polls the job until it has finished (the worker runs it in the background). */
export async function waitForJob(client: GraphQLClient, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobState(client, id);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`Job still ${job.status}: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function backup(client: GraphQLClient, instanceId: string, variables: Record<string, unknown> = {}, timeoutMs?: number) {
  const started = (await client.query(START_BACKUP, { instanceId, ...variables })).startBackup;
  expect(started.__typename, JSON.stringify(started)).toBe('Job');
  return waitForJob(client, started.id, timeoutMs);
}

export async function restore(client: GraphQLClient, snapshotId: string, variables: Record<string, unknown> = {}) {
  const started = (await client.query(START_RESTORE, { snapshotId, ...variables })).startRestore;
  expect(started.__typename, JSON.stringify(started)).toBe('Job');
  return waitForJob(client, started.id);
}

export const REAUTHENTICATE_LIMIT = 5;
