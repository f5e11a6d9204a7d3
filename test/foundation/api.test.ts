import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';

const CREATE_ORGANISATION = `mutation ($name: String!) {
  createOrganisation(name: $name) { __typename ... on Organisation { id name createdAt } ... on Error { message } }
}`;
const CREATE_KEY = `mutation ($organisationId: ID!, $role: Role!, $name: String!) {
  createApiKey(organisationId: $organisationId, role: $role, name: $name) {
    __typename
    ... on ApiKeyCreated { secret apiKey { id name role organisation { id } } }
    ... on Error { message }
  }
}`;
const ADD_INSTANCE = `mutation ($organisationId: ID!, $environment: Environment!, $name: String!) {
  addInstance(organisationId: $organisationId, environment: $environment, name: $name) {
    __typename
    ... on Instance { id name environment status loginUrl tokenLimit tokensUsed tokensRemaining tokens { id } organisation { id } }
    ... on InvalidInput { message field }
    ... on NotFound { message entity }
  }
}`;

async function createOrganisation(client: GraphQLClient, name: string): Promise<string> {
  const data = await client.query(CREATE_ORGANISATION, { name });
  expect(data.createOrganisation.__typename).toBe('Organisation');
  return data.createOrganisation.id;
}

async function createKey(client: GraphQLClient, organisationId: string, role: string): Promise<string> {
  const data = await client.query(CREATE_KEY, { organisationId, role, name: `${role} key` });
  expect(data.createApiKey.__typename).toBe('ApiKeyCreated');
  return data.createApiKey.secret;
}

describe('GraphQL over HTTP', () => {
  let server: TestServer;
  let acme: string;
  let globex: string;
  let acmeAdmin: GraphQLClient;
  let acmeViewer: GraphQLClient;
  let acmeOperator: GraphQLClient;
  let globexAdmin: GraphQLClient;

  beforeAll(async () => {
    server = await startTestServer();
    acme = await createOrganisation(server.operator, 'Acme');
    globex = await createOrganisation(server.operator, 'Globex');
    acmeAdmin = server.client(await createKey(server.operator, acme, 'ADMIN'));
    acmeViewer = server.client(await createKey(server.operator, acme, 'VIEWER'));
    acmeOperator = server.client(await createKey(acmeAdmin, acme, 'OPERATOR'));
    globexAdmin = server.client(await createKey(server.operator, globex, 'ADMIN'));
  });
  afterAll(() => server.dispose());

  it('creates organisations and instances and reads them back', async () => {
    const added = await acmeAdmin.query(ADD_INSTANCE, { organisationId: acme, environment: 'SANDBOX', name: ' Acme sandbox ' });
    expect(added.addInstance).toMatchObject({
      __typename: 'Instance',
      name: 'Acme sandbox',
      environment: 'SANDBOX',
      status: 'NOT_CONNECTED',
      loginUrl: 'https://test.salesforce.com',
      tokenLimit: 5,
      tokensUsed: 0,
      tokensRemaining: 0,
      tokens: [],
      organisation: { id: acme },
    });

    const data = await acmeViewer.query(`{
      viewer { isOperator role organisation { id } }
      organisations { nodes { id name instances { id name } jobs(first: 5) { edges { node { id } } pageInfo { hasNextPage } } } }
      instance(id: "${added.addInstance.id}") { __typename ... on Instance { name } }
      node(id: "${acme}") { __typename id ... on Organisation { name } }
    }`);
    expect(data.viewer).toEqual({ isOperator: false, role: 'VIEWER', organisation: { id: acme } });
    expect(data.organisations.nodes).toEqual([
      { id: acme, name: 'Acme', instances: [{ id: added.addInstance.id, name: 'Acme sandbox' }], jobs: { edges: [], pageInfo: { hasNextPage: false } } },
    ]);
    expect(data.instance).toEqual({ __typename: 'Instance', name: 'Acme sandbox' });
    expect(data.node).toEqual({ __typename: 'Organisation', id: acme, name: 'Acme' });
  });

  it('serves GET requests too', async () => {
    const url = new URL(`${server.url}/graphql`);
    url.searchParams.set('query', '{ viewer { isOperator } }');
    const response = await fetch(url, { headers: { authorization: `Bearer ${acmeViewer.apiKey}` } });
    expect(await response.json()).toEqual({ data: { viewer: { isOperator: false } } });
  });

  it('never shows one organisation to another organisation\'s key', async () => {
    const instance = (await acmeAdmin.query(ADD_INSTANCE, { organisationId: acme, environment: 'PRODUCTION', name: 'Acme prod' })).addInstance;
    const data = await globexAdmin.query(`{
      organisations { nodes { name } }
      organisation(id: "${acme}") { __typename }
      instance(id: "${instance.id}") { __typename }
      node(id: "${instance.id}") { id }
    }`);
    expect(data.organisations.nodes).toEqual([{ name: 'Globex' }]);
    expect(data.organisation.__typename).toBe('NotFound');
    expect(data.instance.__typename).toBe('NotFound');
    expect(data.node).toBeNull();

    const intrusion = await globexAdmin.query(ADD_INSTANCE, { organisationId: acme, environment: 'PRODUCTION', name: 'Mine now' });
    expect(intrusion.addInstance.__typename).toBe('NotFound');
    const minted = await globexAdmin.query(CREATE_KEY, { organisationId: acme, role: 'ADMIN', name: 'stolen' });
    expect(minted.createApiKey.__typename).toBe('NotFound');
    const acmeInstances = await server.operator.query(`{ organisation(id: "${acme}") { ... on Organisation { instances { name } } } }`);
    expect(acmeInstances.organisation.instances.map((i: { name: string }) => i.name)).not.toContain('Mine now');
  });

  it('refuses missing and unknown keys with UNAUTHENTICATED, and roles below the need with FORBIDDEN', async () => {
    const anonymous = await server.client().request('{ organisations(first: 5) { nodes { id } } }');
    expect(anonymous.data).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const wrongKey = await server.client('sfb_not-a-real-key').request('{ organisations { nodes { id } } }');
    expect(wrongKey.errors?.[0]).toMatchObject({ message: 'The API key is not recognised', extensions: { code: 'UNAUTHENTICATED' } });

    const viewerAdds = await acmeViewer.request(ADD_INSTANCE, { organisationId: acme, environment: 'PRODUCTION', name: 'x' });
    expect(viewerAdds.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const operatorAdds = await acmeOperator.request(ADD_INSTANCE, { organisationId: acme, environment: 'PRODUCTION', name: 'x' });
    expect(operatorAdds.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const memberCreatesOrganisation = await acmeAdmin.request(CREATE_ORGANISATION, { name: 'Sneaky' });
    expect(memberCreatesOrganisation.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const names = (await server.operator.query('{ organisations { nodes { name } } }')).organisations.nodes.map((o: { name: string }) => o.name);
    expect(names).toEqual(['Acme', 'Globex']);
  });

  it('answers bad input with typed errors or validation errors, changing nothing', async () => {
    const before = await server.operator.query('{ organisations { nodes { name instances { name } } } }');

    const emptyName = await acmeAdmin.query(ADD_INSTANCE, { organisationId: acme, environment: 'PRODUCTION', name: '   ' });
    expect(emptyName.addInstance).toEqual({ __typename: 'InvalidInput', message: 'name must not be empty', field: 'name' });

    const emptyOrganisation = await server.operator.query(CREATE_ORGANISATION, { name: '' });
    expect(emptyOrganisation.createOrganisation.__typename).toBe('InvalidInput');

    const unknownOrganisation = Buffer.from('Organisation:00000000-0000-0000-0000-000000000000').toString('base64url');
    const unknown = await acmeAdmin.query(ADD_INSTANCE, { organisationId: unknownOrganisation, environment: 'PRODUCTION', name: 'x' });
    expect(unknown.addInstance).toMatchObject({ __typename: 'NotFound', entity: 'Organisation' });

    const instanceOfOrganisation = (await acmeAdmin.query(`{ instance(id: "${acme}") { __typename ... on NotFound { entity } } }`)).instance;
    expect(instanceOfOrganisation).toEqual({ __typename: 'NotFound', entity: 'Instance' });

    const wrongTypeForAdd = await acmeAdmin.query(ADD_INSTANCE, { organisationId: Buffer.from('Instance:1').toString('base64url'), environment: 'PRODUCTION', name: 'x' });
    expect(wrongTypeForAdd.addInstance.__typename).toBe('NotFound');

    const garbageId = await acmeAdmin.request(`{ instance(id: "%%%") { __typename } }`);
    expect(garbageId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const badEnum = await acmeAdmin.request(ADD_INSTANCE, { organisationId: acme, environment: 'STAGING', name: 'x' });
    expect(badEnum.data).toBeUndefined();
    expect(badEnum.errors?.[0]?.message).toMatch(/Environment/);

    const badPage = await acmeAdmin.request(`{ organisations { nodes { jobs(first: 1000) { edges { cursor } } } } }`);
    expect(badPage.errors?.[0]).toMatchObject({ message: 'first must be between 0 and 100', extensions: { code: 'BAD_USER_INPUT' } });

    const badCursor = await acmeAdmin.request(`{ organisations { nodes { jobs(first: 1, after: "not-a-cursor") { edges { cursor } } } } }`);
    expect(badCursor.errors?.[0]).toMatchObject({ message: 'after is not a cursor of this list', extensions: { code: 'BAD_USER_INPUT' } });
    const backwards = await acmeAdmin.request(`{ organisations { nodes { jobs(last: 1) { edges { cursor } } } } }`);
    expect(backwards.errors?.[0]).toMatchObject({ message: 'Lists page forwards only: use first and after', extensions: { code: 'BAD_USER_INPUT' } });

    const after = await server.operator.query('{ organisations { nodes { name instances { name } } } }');
    expect(after).toEqual(before);
  });

  it('keeps stack traces and internals out of error responses', async () => {
    const responses = await Promise.all([
      server.client().request('{ organisations(first: 5) { nodes { id } } }'),
      acmeAdmin.request(`{ instance(id: "%%%") { __typename } }`),
      acmeAdmin.request('{ nope }'),
    ]);
    for (const response of responses) {
      const text = JSON.stringify(response);
      expect(text).not.toMatch(/stack|at .*\.ts:|node_modules/);
    }
  });

  it('shows a minted key once and stores only its hash', async () => {
    const secret = await createKey(server.operator, globex, 'VIEWER');
    const rows = await rowsOf(server.app).all('select * from api_keys');
    expect(JSON.stringify(rows)).not.toContain(secret);
    const settings = await rowsOf(server.app).all('select * from settings');
    expect(JSON.stringify(settings)).not.toContain(server.operator.apiKey);
    const viewer = await server.client(secret).query('{ viewer { role organisation { name } } }');
    expect(viewer.viewer).toEqual({ role: 'VIEWER', organisation: { name: 'Globex' } });
  });
  it('pages API keys like every other list: oldest first, by cursor, refusing a cursor of another list', async () => {
    const KEYS = `query ($first: Int, $after: String) {
      apiKeys(first: $first, after: $after) { edges { node { name role } } pageInfo { hasNextPage endCursor } }
    }`;
    const all = (await acmeAdmin.query(KEYS, { first: 100 })).apiKeys;
    expect(all.edges.map((edge: any) => edge.node.role)).toEqual(['ADMIN', 'VIEWER', 'OPERATOR']);
    expect(all.pageInfo.hasNextPage).toBe(false);

    const first = (await acmeAdmin.query(KEYS, { first: 2 })).apiKeys;
    expect(first.edges.map((edge: any) => edge.node.role)).toEqual(['ADMIN', 'VIEWER']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await acmeAdmin.query(KEYS, { first: 2, after: first.pageInfo.endCursor })).apiKeys;
    expect(rest.edges.map((edge: any) => edge.node.role)).toEqual(['OPERATOR']);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    const refused = await acmeAdmin.request(KEYS, { after: Buffer.from(JSON.stringify(['auditLog', 1])).toString('base64url') });
    expect(refused.errors?.[0]?.message).toBe('after is not a cursor of this list');
    expect(refused.data ?? null).toBeNull();
  });
});
