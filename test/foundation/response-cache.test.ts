import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { startTestServer, statementsFor, type TestServer } from '../helpers/server.ts';

const LIST = '{ organisations { nodes { id name instances { id name status } } } }';

describe('cached query results', () => {
  let server: TestServer;
  let acme: { organisationId: string; client: GraphQLClient };
  beforeAll(async () => {
    server = await startTestServer();
    acme = await createOrganisationWithKey(server.operator, 'Acme');
  });
  afterAll(() => server.dispose());

  const statements = (client: GraphQLClient, query: string) => statementsFor(server, client, query);

  it('answers a repeated query without the database, and freshly once something it shows changed', async () => {
    const first = await statements(acme.client, LIST);
    const second = await statements(acme.client, LIST);
    expect(second.data).toEqual(first.data);
    expect(first.statements).toBeGreaterThan(0);
    expect(second.statements).toBe(0);

    const instanceId = await addInstance(acme.client, acme.organisationId, 'SANDBOX', 'New sandbox');
    const afterAdd = await statements(acme.client, LIST);
    expect(afterAdd.statements).toBeGreaterThan(0);
    expect(afterAdd.data.organisations.nodes[0].instances.map((i: { id: string }) => i.id)).toContain(instanceId);

    const operatorList = (await server.operator.query('{ organisations { nodes { name } } }')).organisations.nodes;
    await createOrganisationWithKey(server.operator, 'Initech');
    const grown = (await server.operator.query('{ organisations { nodes { name } } }')).organisations.nodes;
    expect(grown).toHaveLength(operatorList.length + 1);
  });

  it('keeps no answer read before a change it shows was announced, however slowly the database gave it', async () => {
    const instanceId = await addInstance(acme.client, acme.organisationId, 'SANDBOX', 'Read slowly');
    const query = 'query ($id: ID!) { instance(id: $id) { ... on Instance { id name } } }';
    const instances = server.app.store.instances;
    const byId = instances.byId.bind(instances);
    let read!: () => void;
    const readDone = new Promise<void>((resolve) => (read = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The query's read of the instance answers only after the rename (as a read over the network may).
    instances.byId = async (id) => {
      instances.byId = byId;
      const row = await byId(id);
      read();
      await released;
      return row;
    };
    try {
      const slow = acme.client.query(query, { id: instanceId });
      await readDone;
      const renamed = await acme.client.query(`mutation ($id: ID!) { updateInstance(id: $id, name: "Renamed") { __typename } }`, { id: instanceId });
      expect(renamed.updateInstance.__typename).toBe('Instance');
      release();
      expect((await slow).instance.name).toBe('Read slowly');
      expect((await acme.client.query(query, { id: instanceId })).instance.name).toBe('Renamed');
      // The fresh answer is kept: the stale one's lookups no longer hold the key.
      const again = await statementsFor(server, acme.client, query, { id: instanceId });
      expect(again.data.instance.name).toBe('Renamed');
      expect(again.statements).toBe(0);
    } finally {
      instances.byId = byId;
      release();
    }
  });

  it('answers Cache-Control: no-cache from the database', async () => {
    const query = '{ organisations { nodes { id name } } }';
    const post = (headers: Record<string, string> = {}) =>
      fetch(acme.client.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.client.apiKey}`, ...headers },
        body: JSON.stringify({ query }),
      });
    const cached = await (await post()).text();
    const before = server.app.database.statementCount();
    const fresh = await post({ 'cache-control': 'no-cache' });
    expect(server.app.database.statementCount()).toBeGreaterThan(before);
    expect(JSON.parse(await fresh.text())).toEqual(JSON.parse(cached));
  });

  it('answers a hit with the same bytes and headers as the miss, in the media type asked for', async () => {
    const post = (accept: string) =>
      fetch(acme.client.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${acme.client.apiKey}` },
        body: JSON.stringify({ query: '{ organisations { nodes { id name } } }' }),
      });
    const miss = await post('application/json');
    const missBody = await miss.text();
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const before = server.app.database.statementCount();
      const hit = await post(accept);
      expect(server.app.database.statementCount()).toBe(before);
      expect(hit.status).toBe(200);
      expect(hit.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
      expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
      expect(hit.headers.get('content-length')).toBe(String(Buffer.byteLength(missBody)));
      expect(await hit.text()).toBe(missBody);
    }
  });

  it('never hands one key\'s cached answer to another key', async () => {
    const globex = await createOrganisationWithKey(server.operator, 'Globex');
    const acmeView = await acme.client.query('{ organisations { nodes { name } } }');
    const globexView = await globex.client.query('{ organisations { nodes { name } } }');
    expect(acmeView.organisations.nodes).toEqual([{ name: 'Acme' }]);
    expect(globexView.organisations.nodes).toEqual([{ name: 'Globex' }]);
    const anonymous = await server.client().request('{ organisations(first: 5) { nodes { name } } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
