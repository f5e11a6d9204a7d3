import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instances } from '../../db/schema.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// tokensRemaining reads the database once per execution, so statements count executions.
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

  it('executes an event once for the keys of one organisation and role, and once more for another role', async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Acme');
    const instanceId = await addInstance(admin, organisationId, 'PRODUCTION');
    const viewers = await Promise.all([1, 2, 3].map(() => keyOf(server, organisationId, 'VIEWER')));
    const clients = [...viewers, admin];
    const sockets = clients.map((client) => client.ws());
    const streams = clients.map((client, i) => client.subscribeWs(sockets[i], INSTANCE_UPDATED, { organisationId }));
    await Promise.all(streams.map((stream) => stream.opening()));
    await sleep(SUBSCRIPTION_SETTLE_MS);

    const { db } = server.app.database;
    const localInstanceId = Buffer.from(instanceId, 'base64url').toString('utf8').replace(/^Instance:/, '');
    const row = db.select().from(instances).where(eq(instances.id, localInstanceId)).get();
    const before = server.app.database.statementCount();
    server.app.events.publish('instanceUpdated', row!.organisationId, row!);
    const received = await Promise.all(streams.map((stream) => stream.next()));

    for (const [event] of received) expect(event.data).toEqual({ instanceUpdated: { id: instanceId, tokensRemaining: 0 } });
    // Three VIEWER keys share one execution; the ADMIN key has its own.
    expect(server.app.database.statementCount() - before).toBe(2);

    for (const stream of streams) stream.close();
    await Promise.all(sockets.map(async (socket) => socket.dispose()));
  });
});
