import { expect } from 'vitest';
import { GraphQLClient } from './graphql-client.ts';

/** Creates an organisation with an ADMIN key through the API; returns its id and a client holding that key. */
export async function createOrganisationWithKey(
  operator: GraphQLClient,
  name: string,
  role: 'VIEWER' | 'OPERATOR' | 'ADMIN' = 'ADMIN',
): Promise<{ organisationId: string; client: GraphQLClient }> {
  const created = await operator.query(
    `mutation ($name: String!) { createOrganisation(name: $name) { ... on Organisation { id } ... on Error { message } } }`,
    { name },
  );
  const organisationId = created.createOrganisation.id;
  expect(organisationId).toBeTypeOf('string');
  const key = await operator.query(
    `mutation ($organisationId: ID!, $role: Role!) {
      createApiKey(organisationId: $organisationId, role: $role, name: "test") { ... on ApiKeyCreated { secret } ... on Error { message } }
    }`,
    { organisationId, role },
  );
  return { organisationId, client: new GraphQLClient(operator.baseUrl, key.createApiKey.secret) };
}

export async function addInstance(
  client: GraphQLClient,
  organisationId: string,
  environment: 'PRODUCTION' | 'SANDBOX',
  name = `${environment.toLowerCase()} org`,
  loginUrl?: string,
): Promise<string> {
  const data = await client.query(
    `mutation ($organisationId: ID!, $environment: Environment!, $name: String!, $loginUrl: String) {
      addInstance(organisationId: $organisationId, environment: $environment, name: $name, loginUrl: $loginUrl) { ... on Instance { id } ... on Error { message } }
    }`,
    { organisationId, environment, name, loginUrl },
  );
  expect(data.addInstance.id).toBeTypeOf('string');
  return data.addInstance.id;
}
