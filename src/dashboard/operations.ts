/**
 * The GraphQL documents the dashboard sends. Fields that the API gains over time (snapshots,
 * restore, API usage, failures, cancel) are asked for only when the served schema has them.
 */

export interface Features {
  apiUsage: boolean;
  snapshots: boolean;
  restore: boolean;
  failures: boolean;
  cancel: boolean;
}

export const VIEWER_AND_FEATURES = `query Viewer {
  viewer { isOperator role keyName organisation { id name } }
  instanceType: __type(name: "Instance") { fields { name } }
  jobType: __type(name: "Job") { fields { name } }
  mutationType: __type(name: "Mutation") { fields { name } }
}`;

type FieldList = { fields: { name: string }[] | null } | null;

export interface ViewerResult {
  viewer: { isOperator: boolean; role: string | null; keyName: string | null; organisation: { id: string; name: string } | null };
  instanceType: FieldList;
  jobType: FieldList;
  mutationType: FieldList;
}

export function featuresOf(result: ViewerResult): Features {
  const has = (type: FieldList, name: string) => Boolean(type?.fields?.some((field) => field.name === name));
  return {
    apiUsage: has(result.instanceType, 'apiUsage'),
    snapshots: has(result.instanceType, 'snapshots'),
    restore: has(result.mutationType, 'startRestore'),
    failures: has(result.jobType, 'failures'),
    cancel: has(result.mutationType, 'cancelJob'),
  };
}

export const JOBS_SHOWN = 8;
export const SNAPSHOTS_SHOWN = 10;
export const FAILURES_SHOWN = 20;

function jobFields(features: Features) {
  return `id kind status objects queuedAt startedAt finishedAt error apiCalls
    progress { processed failed total percent }
    instance { id }
    ${features.failures ? `failures(first: ${FAILURES_SHOWN}) { nodes { object recordId statusCode message } hasNextPage }` : ''}`;
}

/** What every instance payload carries, from queries and subscriptions alike. */
function instanceFields(features: Features) {
  return `id name environment status username salesforceOrgId lastAuthenticatedAt tokenLimit tokensRemaining tokensUsed
    ${features.apiUsage ? 'apiUsage { used max }' : ''}`;
}

function instanceDetails(features: Features) {
  return `${instanceFields(features)}
    jobs(first: ${JOBS_SHOWN}) { edges { node { ${jobFields(features)} } } }
    ${features.snapshots ? `snapshots(first: ${SNAPSHOTS_SHOWN}) { nodes { id createdAt incremental recordCount objects { name recordCount deletedCount } } }` : ''}`;
}

export const organisationsQuery = (features: Features) => `query Dashboard {
  organisations { id name instances { ${instanceDetails(features)} } }
}`;

export const instanceQuery = (features: Features) => `query Instance($id: ID!) {
  instance(id: $id) { __typename ... on Instance { ${instanceDetails(features)} } ... on Error { message } }
}`;

export const subscriptions = (features: Features) => ({
  instanceUpdated: `subscription InstanceUpdated($organisationId: ID) {
    instanceUpdated(organisationId: $organisationId) { ${instanceFields(features)} }
  }`,
  tokenExhausted: `subscription TokenExhausted($organisationId: ID) {
    tokenExhausted(organisationId: $organisationId) { message reason occurredAt instance { ${instanceFields(features)} } }
  }`,
  reauthCompleted: `subscription ReauthCompleted($organisationId: ID) {
    reauthCompleted(organisationId: $organisationId) { occurredAt instance { ${instanceFields(features)} } }
  }`,
  jobUpdated: `subscription JobUpdated($organisationId: ID) {
    jobUpdated(organisationId: $organisationId) { ${jobFields(features)} }
  }`,
});

export const START_REAUTHENTICATION = `mutation StartReauthentication($instanceId: ID!) {
  startReauthentication(instanceId: $instanceId) {
    __typename
    ... on ReauthenticationStarted { authorizationUrl }
    ... on Error { message }
  }
}`;

const jobResult = (features: Features) => `__typename
    ... on Job { ${jobFields(features)} }
    ... on TokenExpired { message reason tokenLimit tokensUsed instance { id } }
    ... on InvalidInput { message field values }
    ... on Error { message }`;

export const startBackupMutation = (features: Features) => `mutation StartBackup($instanceId: ID!) {
  startBackup(instanceId: $instanceId) { ${jobResult(features)} }
}`;

export const startRestoreMutation = (features: Features) => `mutation StartRestore($snapshotId: ID!, $objects: [String!], $overwrite: Boolean) {
  startRestore(snapshotId: $snapshotId, objects: $objects, overwrite: $overwrite) { ${jobResult(features)} }
}`;

export const CANCEL_JOB = `mutation CancelJob($id: ID!) {
  cancelJob(id: $id) { __typename ... on Job { id status } ... on Error { message } }
}`;

export const addInstanceMutation = (features: Features) => `mutation AddInstance($organisationId: ID!, $environment: Environment!, $name: String!) {
  addInstance(organisationId: $organisationId, environment: $environment, name: $name) {
    __typename
    ... on Instance { ${instanceDetails(features)} }
    ... on Error { message }
  }
}`;

export const PREVIEW_REAUTHENTICATION = `mutation PreviewReauthentication($state: String!, $code: String!) {
  previewReauthentication(state: $state, code: $code) {
    __typename
    ... on ReauthenticationPreview { username salesforceOrgId salesforceInstanceUrl instance { id name environment } }
    ... on Error { message }
  }
}`;

export const COMPLETE_REAUTHENTICATION = `mutation CompleteReauthentication($state: String!, $code: String!) {
  completeReauthentication(state: $state, code: $code) {
    __typename
    ... on Instance { id name username }
    ... on Error { message }
  }
}`;
