import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { schema } from '../../schema/index.ts';
import { SUBSCRIPTIONS } from '../../src/dashboard/operations.ts';
import { documentDependsOnRole } from '../../src/server/role-dependence.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const API_KEY_CHANGED = `subscription ($organisationId: ID) { apiKeyChanged(organisationId: $organisationId) { change } }`;

describe('subscriptions shared across the roles of an organisation', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('shares only documents that nothing authorises by role and that do not show the role', () => {
    for (const document of Object.values(SUBSCRIPTIONS)) expect(documentDependsOnRole(schema, parse(document)), document).toBe(false);
    expect(documentDependsOnRole(schema, parse(API_KEY_CHANGED))).toBe(true);
    expect(documentDependsOnRole(schema, parse('{ viewer { role } }'))).toBe(true);
    expect(documentDependsOnRole(schema, parse('{ viewer { isOperator } }'))).toBe(false);
  });

  it("gives a viewer key an ADMIN key's events of a shared document, but not an ADMIN-only subscription the ADMIN key opened first", async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Shared Roles Ltd');
    const created = await admin.query(`mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "viewer") { ... on ApiKeyCreated { secret } } }`, {
      organisationId,
    });
    const viewer = new GraphQLClient(admin.baseUrl, created.createApiKey.secret);
    const instanceId = await addInstance(admin, organisationId, 'PRODUCTION', 'Shared');

    const adminSocket = admin.ws();
    const viewerSocket = viewer.ws();
    const adminKeys = admin.subscribeWs(adminSocket, API_KEY_CHANGED, { organisationId });
    const adminInstances = admin.subscribeWs(adminSocket, SUBSCRIPTIONS.instanceUpdated, { organisationId });
    await Promise.all([adminKeys.opening(), adminInstances.opening()]);
    // Sent after the ADMIN key's: a shared execution would already exist for it to join.
    const viewerKeys = viewer.subscribeWs(viewerSocket, API_KEY_CHANGED, { organisationId });
    const viewerInstances = viewer.subscribeWs(viewerSocket, SUBSCRIPTIONS.instanceUpdated, { organisationId });
    await Promise.all([viewerKeys.opening(), viewerInstances.opening()]);
    // graphql-ws acknowledges no subscription: a query on each socket answers after they are set up.
    for (const socket of [adminSocket, viewerSocket]) {
      await new Promise<void>((resolve, reject) => socket.subscribe({ query: '{ viewer { isOperator } }' }, { next: () => {}, error: reject, complete: resolve }));
    }

    await admin.query(`mutation ($id: ID!) { updateInstance(id: $id, name: "Renamed") { __typename } }`, { id: instanceId });
    await admin.query(`mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "another") { __typename } }`, { organisationId });

    for (const stream of [adminInstances, viewerInstances]) {
      await stream.until(() => stream.values.some((event) => event.data?.instanceUpdated?.name === 'Renamed'), 'the rename');
    }
    expect(viewerInstances.values).toEqual(adminInstances.values);
    await adminKeys.until(() => adminKeys.values.length > 0, "the ADMIN key's event");
    expect(adminKeys.values[0].data.apiKeyChanged.change).toBe('CREATED');
    expect(viewerKeys.values.every((event) => event.data === null || event.data === undefined)).toBe(true);
    expect(viewerKeys.values.flatMap((event) => event.errors ?? []).map((error: { extensions?: { code?: string } }) => error.extensions?.code)).toContain('FORBIDDEN');
    await adminSocket.dispose();
    await viewerSocket.dispose();
  });
});
