import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const INSTANCE_UPDATED = `subscription ($organisationId: ID) {
  instanceUpdated(organisationId: $organisationId) { id name status organisation { id } }
}`;

// graphql-ws and SSE give no "subscribed" acknowledgement; this covers the server registering it.
const SUBSCRIPTION_SETTLE_MS = 300;

describe('instanceUpdated subscriptions', () => {
  let server: TestServer;
  let acme: { organisationId: string; client: GraphQLClient };
  let globex: { organisationId: string; client: GraphQLClient };

  beforeAll(async () => {
    server = await startTestServer();
    acme = await createOrganisationWithKey(server.operator, 'Acme');
    globex = await createOrganisationWithKey(server.operator, 'Globex');
  });
  afterAll(() => server.dispose());

  it('pushes an added instance over graphql-ws to its own organisation only', async () => {
    const acmeSocket = acme.client.ws();
    const globexSocket = globex.client.ws();
    const acmeEvents = acme.client.subscribeWs(acmeSocket, INSTANCE_UPDATED);
    const globexEvents = globex.client.subscribeWs(globexSocket, INSTANCE_UPDATED);
    await Promise.all([acmeEvents.opening(), globexEvents.opening()]);
    await sleep(SUBSCRIPTION_SETTLE_MS);

    const instanceId = await addInstance(acme.client, acme.organisationId, 'PRODUCTION', 'Acme prod');
    const [event] = await acmeEvents.next();
    expect(event).toEqual({
      data: { instanceUpdated: { id: instanceId, name: 'Acme prod', status: 'NOT_CONNECTED', organisation: { id: acme.organisationId } } },
    });

    // Globex's own event arrives, proving its stream works and that Acme's never reached it.
    const globexInstance = await addInstance(globex.client, globex.organisationId, 'SANDBOX', 'Globex sandbox');
    const globexReceived = await globexEvents.next();
    expect(globexReceived.map((e) => e.data.instanceUpdated.id)).toEqual([globexInstance]);
    expect(acmeEvents.values).toHaveLength(1);

    acmeEvents.close();
    globexEvents.close();
    await Promise.all([acmeSocket.dispose(), globexSocket.dispose()]);
  });

  it('pushes over Server-Sent Events with the same isolation', async () => {
    const acmeEvents = acme.client.subscribeSse(INSTANCE_UPDATED);
    const globexEvents = globex.client.subscribeSse(INSTANCE_UPDATED);
    await Promise.all([acmeEvents.opening(), globexEvents.opening()]);
    await sleep(SUBSCRIPTION_SETTLE_MS);

    const instanceId = await addInstance(acme.client, acme.organisationId, 'SANDBOX', 'Acme sandbox');
    const [event] = await acmeEvents.next();
    expect(event.data.instanceUpdated).toMatchObject({ id: instanceId, name: 'Acme sandbox' });

    const globexInstance = await addInstance(globex.client, globex.organisationId, 'PRODUCTION');
    expect((await globexEvents.next()).map((e) => e.data.instanceUpdated.id)).toEqual([globexInstance]);
    expect(acmeEvents.values).toHaveLength(1);
    acmeEvents.close();
    globexEvents.close();
  });

  it('refuses a subscription to another organisation and a socket without a valid key', async () => {
    const socket = globex.client.ws();
    const intrusion = globex.client.subscribeWs(socket, INSTANCE_UPDATED, { organisationId: acme.organisationId });
    await intrusion.until(() => intrusion.values.length > 0 || intrusion.error !== undefined, 'a refusal').catch(() => {});
    expect(JSON.stringify(intrusion.values)).toMatch(/was not found/);
    await socket.dispose();

    const anonymous = server.client('sfb_wrong').ws();
    const refused = server.client('sfb_wrong').subscribeWs(anonymous, INSTANCE_UPDATED);
    await expect(refused.next()).rejects.toThrow(/4403|Forbidden/);
    await anonymous.dispose();

    const operatorSocket = server.operator.ws();
    const unscoped = server.operator.subscribeWs(operatorSocket, INSTANCE_UPDATED);
    await unscoped.until(() => unscoped.values.length > 0, 'a refusal');
    expect(unscoped.values[0]?.errors?.[0]?.message).toBe('organisationId is required with the operator key');
    await operatorSocket.dispose();
  });
});
