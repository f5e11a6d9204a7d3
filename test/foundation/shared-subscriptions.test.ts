import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// tokensRemaining reads the database for each execution, batched with the other executions of the same tick.
const INSTANCE_UPDATED = `subscription ($organisationId: ID) { instanceUpdated(organisationId: $organisationId) { id tokensRemaining } }`;
const SUBSCRIPTION_SETTLE_MS = 300;

async function keyOf(server: TestServer, organisationId: string, role: string) {
  const created = await server.operator.query(
    `mutation ($organisationId: ID!, $role: Role!) { createApiKey(organisationId: $organisationId, role: $role, name: "k") { ... on ApiKeyCreated { secret } } }`,
    { organisationId, role },
  );
  return new GraphQLClient(server.url, created.createApiKey.secret);
}

describe('subscriptions shared between API keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('executes an event once for the keys of one organisation whatever their role, and reads for every organisation in one statement', async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Acme');
    const instanceId = await addInstance(admin, organisationId, 'PRODUCTION');
    const viewers = await Promise.all([1, 2, 3].map(() => keyOf(server, organisationId, 'VIEWER')));
    const { organisationId: otherId, client: other } = await createOrganisationWithKey(server.operator, 'Other');
    const otherInstanceId = await addInstance(other, otherId, 'SANDBOX');
    const clients = [...viewers, admin, other];
    const sockets = clients.map((client) => client.ws());
    const streams = clients.map((client, i) => client.subscribeWs(sockets[i], INSTANCE_UPDATED, { organisationId: client === other ? otherId : organisationId }));
    await Promise.all(streams.map((stream) => stream.opening()));
    await sleep(SUBSCRIPTION_SETTLE_MS);

    const rowOf = async (id: string) => (await server.app.store.instances.byId(Buffer.from(id, 'base64url').toString('utf8').replace(/^Instance:/, '')))!;
    const [row, otherRow] = [await rowOf(instanceId), await rowOf(otherInstanceId)];
    const before = server.app.database.statementCount();
    server.app.events.publish('instanceUpdated', row.organisationId, row);
    server.app.events.publish('instanceUpdated', otherRow.organisationId, otherRow);
    const received = await Promise.all(streams.map((stream) => stream.next()));

    for (const [i, [event]] of received.entries()) {
      expect(event.data).toEqual({ instanceUpdated: { id: clients[i] === other ? otherInstanceId : instanceId, tokensRemaining: 0 } });
    }
    // Nothing the document selects depends on the role: the four keys of Acme share one execution,
    // the other organisation has its own. Whether each instance is still there is read for both at
    // once; then both read their instance through the loader, as a query does, and its tokens, the
    // reads of the two executions going out together: three statements, however many organisations.
    expect(server.app.database.statementCount() - before).toBe(3);

    for (const stream of streams) stream.close();
    await Promise.all(sockets.map(async (socket) => socket.dispose()));
  });
});
