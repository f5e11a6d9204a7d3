/** Documents and shapes of the organisations and keys page. */

export interface OrganisationItem {
  id: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyItem {
  id: string;
  name: string;
  role: 'VIEWER' | 'OPERATOR' | 'ADMIN';
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface PageOf<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const ORGANISATIONS_PER_PAGE = 20;
export const KEYS_PER_PAGE = 50;

const ORGANISATION_FIELDS = 'id name createdAt';
const KEY_FIELDS = 'id name role createdAt lastUsedAt expiresAt revokedAt';

export const ORGANISATION_LIST = `query OrganisationList($after: String) {
  organisations(first: ${ORGANISATIONS_PER_PAGE}, after: $after) { nodes { ${ORGANISATION_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

export const CREATE_ORGANISATION = `mutation CreateOrganisation($name: String!) {
  createOrganisation(name: $name) { __typename ... on Organisation { ${ORGANISATION_FIELDS} } ... on Error { message } }
}`;

export const RENAME_ORGANISATION = `mutation RenameOrganisation($id: ID!, $name: String!) {
  renameOrganisation(id: $id, name: $name) { __typename ... on Organisation { ${ORGANISATION_FIELDS} } ... on Error { message } }
}`;

export const DELETE_ORGANISATION = `mutation DeleteOrganisation($id: ID!, $confirmName: String!) {
  deleteOrganisation(id: $id, confirmName: $confirmName) { __typename ... on Deletion { id name } ... on Error { message } }
}`;

export const API_KEYS = `query ApiKeys($organisationId: ID!, $after: String) {
  apiKeys(organisationId: $organisationId, first: ${KEYS_PER_PAGE}, after: $after) { nodes { ${KEY_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

export const CREATE_API_KEY = `mutation CreateApiKey($organisationId: ID!, $role: Role!, $name: String!, $expiresAt: DateTime) {
  createApiKey(organisationId: $organisationId, role: $role, name: $name, expiresAt: $expiresAt) {
    __typename ... on ApiKeyCreated { secret apiKey { ${KEY_FIELDS} } } ... on Error { message }
  }
}`;

export const REVOKE_API_KEY = `mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) { __typename ... on ApiKey { ${KEY_FIELDS} } ... on Error { message } }
}`;

export const API_KEY_CHANGED = `subscription ApiKeyChanged($organisationId: ID) {
  apiKeyChanged(organisationId: $organisationId) { change apiKey { ${KEY_FIELDS} } }
}`;

export const ORGANISATION_CHANGED = `subscription OrganisationChanges {
  organisationChanged { change organisationId organisation { ${ORGANISATION_FIELDS} } }
}`;

/** Keys or organisations merged by id: a changed one in place, a new one at the end (both lists are oldest first). */
export function upsert<T extends { id: string }>(items: T[], item: T): T[] {
  return items.some((candidate) => candidate.id === item.id) ? items.map((candidate) => (candidate.id === item.id ? item : candidate)) : [...items, item];
}
