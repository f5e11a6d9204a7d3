/** The GraphQL documents the dashboard sends; it is built and served with the API, so it asks for every field. */

export const VIEWER = `query Viewer {
  viewer { isOperator role keyName organisation { id name } }
}`;

export interface ViewerResult {
  viewer: { isOperator: boolean; role: string | null; keyName: string | null; organisation: { id: string; name: string } | null };
}

export const JOBS_SHOWN = 8;
export const SNAPSHOTS_SHOWN = 10;
export const FAILURES_SHOWN = 20;

const JOB_FIELDS = `id kind status objects queuedAt startedAt finishedAt error apiCalls
    progress { processed failed total percent changed }
    instance { id }
    failures(first: ${FAILURES_SHOWN}) { nodes { object recordId statusCode message } pageInfo { hasNextPage } }`;

/** What every instance payload carries, from queries and subscriptions alike. */
const INSTANCE_FIELDS = `id name environment status username salesforceOrgId lastAuthenticatedAt tokenLimit tokensRemaining tokensUsed
    apiUsage { used max }`;

const INSTANCE_DETAILS = `${INSTANCE_FIELDS}
    jobs(first: ${JOBS_SHOWN}) { nodes { ${JOB_FIELDS} } }
    snapshots(first: ${SNAPSHOTS_SHOWN}) { nodes { id createdAt incremental recordCount objects { name recordCount deletedCount } } }`;

/**
 * Organisations per page of the dashboard (the operator key sees more a page at a time): ten keep
 * the query's estimated cost under the signed-in limit, its depth too with `nodes` lists.
 */
export const ORGANISATIONS_SHOWN = 10;

export const ORGANISATIONS = `query Dashboard($after: String) {
  organisations(first: ${ORGANISATIONS_SHOWN}, after: $after) {
    nodes { id name instances { ${INSTANCE_DETAILS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const INSTANCE = `query Instance($id: ID!) {
  instance(id: $id) { __typename ... on Instance { ${INSTANCE_DETAILS} } ... on Error { message } }
}`;

export const SUBSCRIPTIONS = {
  instanceUpdated: `subscription InstanceUpdated($organisationId: ID) {
    instanceUpdated(organisationId: $organisationId) { ${INSTANCE_FIELDS} }
  }`,
  tokenExhausted: `subscription TokenExhausted($organisationId: ID) {
    tokenExhausted(organisationId: $organisationId) { message reason occurredAt instance { ${INSTANCE_FIELDS} } }
  }`,
  reauthCompleted: `subscription ReauthCompleted($organisationId: ID) {
    reauthCompleted(organisationId: $organisationId) { occurredAt instance { ${INSTANCE_FIELDS} } }
  }`,
  jobUpdated: `subscription JobUpdated($organisationId: ID) {
    jobUpdated(organisationId: $organisationId) { ${JOB_FIELDS} }
  }`,
  instanceRemoved: `subscription InstanceRemoved($organisationId: ID) {
    instanceRemoved(organisationId: $organisationId) { instanceId }
  }`,
  /** Without organisationId: every organisation's for the operator key, its own for another key. */
  organisationChanged: `subscription OrganisationChanged {
    organisationChanged { change organisationId organisation { id name } }
  }`,
};

export const START_REAUTHENTICATION = `mutation StartReauthentication($instanceId: ID!) {
  startReauthentication(instanceId: $instanceId) {
    __typename
    ... on ReauthenticationStarted { authorizationUrl approvalWarning }
    ... on Error { message }
  }
}`;

const JOB_RESULT = `__typename
    ... on Job { ${JOB_FIELDS} }
    ... on TokenExpired { message reason tokenLimit tokensUsed instance { id } }
    ... on InvalidInput { message field values }
    ... on Error { message }`;

export const START_BACKUP = `mutation StartBackup($instanceId: ID!) {
  startBackup(instanceId: $instanceId) { ${JOB_RESULT} }
}`;

export const START_RESTORE = `mutation StartRestore($snapshotId: ID!, $objects: [String!], $overwrite: Boolean) {
  startRestore(snapshotId: $snapshotId, objects: $objects, overwrite: $overwrite) { ${JOB_RESULT} }
}`;

export const CANCEL_JOB = `mutation CancelJob($id: ID!) {
  cancelJob(id: $id) { __typename ... on Job { id status } ... on Error { message } }
}`;

export const ADD_INSTANCE = `mutation AddInstance($organisationId: ID!, $environment: Environment!, $name: String!) {
  addInstance(organisationId: $organisationId, environment: $environment, name: $name) {
    __typename
    ... on Instance { ${INSTANCE_DETAILS} }
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

const INSTANCE_OR_ERROR = `__typename ... on Instance { ${INSTANCE_FIELDS} } ... on Error { message }`;

export const RENAME_INSTANCE = `mutation RenameInstance($id: ID!, $name: String!) {
  updateInstance(id: $id, name: $name) { ${INSTANCE_OR_ERROR} }
}`;

// Its snapshots may go with it: the answer carries the instance's lists too.
export const DISCONNECT_INSTANCE = `mutation DisconnectInstance($id: ID!, $deleteSnapshots: Boolean!) {
  disconnectInstance(id: $id, deleteSnapshots: $deleteSnapshots) { __typename ... on Instance { ${INSTANCE_DETAILS} } ... on Error { message } }
}`;

export const DELETE_INSTANCE = `mutation DeleteInstance($id: ID!, $confirmName: String!) {
  deleteInstance(id: $id, confirmName: $confirmName) { __typename ... on Deletion { id name } ... on Error { message } }
}`;

export const GRANT_LIVE = `query GrantLive($id: ID!) { instance(id: $id) { ... on Instance { grantLive } } }`;
