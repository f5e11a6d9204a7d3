import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A subscription's arguments reach it whether written as literals or as variables of any name
 * (graphql-jit handed subscribe the operation's variables instead of the field's arguments).
 */
describe('subscription arguments', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('narrows to the organisation named by a literal or a variable of another name, over graphql-ws and SSE', async () => {
    const acme = await createOrganisationWithKey(server.operator, 'Acme');
    const globex = await createOrganisationWithKey(server.operator, 'Globex');
    const socket = server.operator.ws();
    const literal = server.operator.subscribeWs(socket, `subscription { instanceUpdated(organisationId: "${acme.organisationId}") { name } }`);
    const variable = server.operator.subscribeWs(socket, `subscription ($which: ID) { instanceUpdated(organisationId: $which) { name } }`, { which: acme.organisationId });
    const sse = server.operator.subscribeSse(`subscription ($which: ID) { instanceUpdated(organisationId: $which) { name } }`, { which: acme.organisationId });
    await Promise.all([literal.opening(), variable.opening(), sse.opening()]);
    await new Promise<void>((resolve, reject) => socket.subscribe({ query: '{ viewer { isOperator } }' }, { next: () => {}, error: reject, complete: resolve }));

    await addInstance(globex.client, globex.organisationId, 'PRODUCTION', 'Not Acme');
    await addInstance(acme.client, acme.organisationId, 'PRODUCTION', 'Acme production');
    for (const stream of [literal, variable, sse]) {
      await stream.until(() => stream.values.length > 0, 'an instance event');
      expect(stream.values).toEqual([{ data: { instanceUpdated: { name: 'Acme production' } } }]);
    }
    sse.close();
    await socket.dispose();
  });
});
