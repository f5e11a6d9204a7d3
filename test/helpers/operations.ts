import { expect } from 'vitest';
import type { GraphQLClient } from './graphql-client.ts';
import { waitUntil } from './wait.ts';

/** The GraphQL documents the tests share, and the one way they wait for a job. */

export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
export const isFinished = (status: string | undefined) => status !== undefined && TERMINAL_STATUSES.includes(status);

const JOB_START_RESULT = `__typename
    ... on Job { id status }
    ... on TokenExpired { message tokenLimit tokensUsed reason instance { id status } }
    ... on InvalidInput { message field values }
    ... on Error { message }`;

export const START_BACKUP = `mutation ($instanceId: ID!, $objects: [String!], $full: Boolean) {
  startBackup(instanceId: $instanceId, objects: $objects, full: $full) { ${JOB_START_RESULT} }
}`;

export const START_RESTORE = `mutation ($snapshotId: ID!, $objects: [String!], $recordIds: [ID!], $overwrite: Boolean, $includeChildren: Boolean, $targetInstanceId: ID, $dryRun: Boolean) {
  startRestore(snapshotId: $snapshotId, objects: $objects, recordIds: $recordIds, overwrite: $overwrite, includeChildren: $includeChildren, targetInstanceId: $targetInstanceId, dryRun: $dryRun) {
    ${JOB_START_RESULT}
  }
}`;

export const CANCEL_JOB = `mutation ($id: ID!) { cancelJob(id: $id) { __typename ... on Job { id status } ... on Error { message } } }`;

export const JOB_FIELDS = `id kind status error apiCalls objects warnings
  progress { processed failed total percent checked changed }
  snapshot { id incremental recordCount objects { name state reason recordCount deletedCount blobCount blobBytes } }
  failures(first: 100) { nodes { object recordId statusCode message } }
  restoreSummary { dryRun undeleted created updated unchanged skipped failed objects { object undeleted created updated unchanged skipped failed changes { recordId field from to } } }`;

export const JOB = `query ($id: ID!) { job(id: $id) { ... on Job { ${JOB_FIELDS} } } }`;

export const SNAPSHOT_RECORDS = `query ($id: ID!, $object: String!, $first: Int, $after: String, $search: String) {
  snapshot(id: $id) { ... on Snapshot { records(object: $object, first: $first, after: $after, search: $search) { nodes { id deleted fields } pageInfo { endCursor hasNextPage } } } }
}`;

export const INSTANCE_STATE = `query ($id: ID!) {
  instance(id: $id) {
    ... on Instance {
      status username salesforceOrgId instanceUrl lastAuthenticatedAt
      tokenLimit tokensUsed tokensRemaining
      tokens { id status usedAt job { id } }
    }
  }
}`;

export const TOKEN_EXHAUSTED = `subscription ($instanceId: ID) {
  tokenExhausted(instanceId: $instanceId) { message reason occurredAt instance { id status tokensRemaining } }
}`;

export const REAUTH_COMPLETED = `subscription {
  reauthCompleted { occurredAt tokensRemaining instance { id status } }
}`;

export const COMPLETE_REAUTHENTICATION = `mutation ($state: String!, $code: String!) {
  completeReauthentication(state: $state, code: $code) {
    __typename
    ... on Instance { id status }
    ... on Error { message }
  }
}`;

export async function jobState(client: GraphQLClient, id: string) {
  return (await client.query(JOB, { id })).job;
}

/** Polls the job until it has ended (the worker runs it in the background); returns it as `JOB` reads it. */
export async function waitForJob(client: GraphQLClient, id: string, timeoutMs = 60_000) {
  let job = await jobState(client, id);
  await waitUntil(async () => isFinished((job = await jobState(client, id)).status), `job ${id} to end`, timeoutMs, 50);
  return job;
}

/** Runs a start mutation and waits for the job it queued. */
export async function runJob(client: GraphQLClient, mutation: string, variables: Record<string, unknown>, timeoutMs?: number) {
  const started = Object.values(await client.query(mutation, variables))[0] as { __typename: string; id: string; message?: string };
  expect(started.__typename, started.message).toBe('Job');
  return waitForJob(client, started.id, timeoutMs);
}

export const backup = (client: GraphQLClient, instanceId: string, variables: Record<string, unknown> = {}, timeoutMs?: number) =>
  runJob(client, START_BACKUP, { instanceId, ...variables }, timeoutMs);

export const restore = (client: GraphQLClient, snapshotId: string, variables: Record<string, unknown> = {}) =>
  runJob(client, START_RESTORE, { snapshotId, ...variables });

export interface SnapshotRecord {
  id: string;
  deleted: boolean;
  fields: Record<string, unknown>;
}

/** Every record of an object in a snapshot (that `search` matches, if given), read through Snapshot.records pages of `pageSize`. */
export async function snapshotRecords(client: GraphQLClient, snapshotId: string, object: string, pageSize = 100, search?: string) {
  const records: SnapshotRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { nodes: SnapshotRecord[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } = (
      await client.query(SNAPSHOT_RECORDS, { id: snapshotId, object, first: pageSize, after, search })
    ).snapshot.records;
    records.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return records;
    after = page.pageInfo.endCursor;
  }
}
