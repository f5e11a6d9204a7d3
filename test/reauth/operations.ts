/** GraphQL documents shared by the reauthentication tests. */

export const START_BACKUP = `mutation ($instanceId: ID!) {
  startBackup(instanceId: $instanceId) {
    __typename
    ... on Job { id status }
    ... on TokenExpired { message tokenLimit tokensUsed reason instance { id status } }
    ... on Error { message }
  }
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
