import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { YogaLogger } from 'graphql-yoga';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Everything the service logs, by level, as text. */
function capturingLogger() {
  const lines: { level: string; text: string }[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push({ level, text: args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : String(arg))).join(' ') });
  const logger: YogaLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const INSTANCE = `query ($id: ID!) { instance(id: $id) { __typename ... on NotFound { message entity } } }`;

describe('error texts', () => {
  let server: TestServer;
  const log = capturingLogger();
  let organisationId: string;
  let viewer: GraphQLClient;

  beforeAll(async () => {
    server = await startTestServer({}, undefined, { logger: log.logger });
    ({ organisationId } = await createOrganisationWithKey(server.operator, 'Errors Ltd'));
    ({ client: viewer } = await createOrganisationWithKey(server.operator, 'Viewers Ltd', 'VIEWER'));
  });
  afterAll(() => server.dispose());

  it('NotFound names the id the caller sent, not an internal one', async () => {
    const sent = Buffer.from('Instance:00000000-0000-4000-8000-000000000000').toString('base64url');
    const data = await server.operator.query(INSTANCE, { id: sent });
    expect(data.instance).toEqual({ __typename: 'NotFound', entity: 'Instance', message: `Instance ${sent} was not found` });
    expect(data.instance.message).not.toContain('00000000-0000');

    const instanceId = await addInstance(server.operator, organisationId, 'PRODUCTION');
    const foreign = await viewer.query(INSTANCE, { id: instanceId });
    expect(foreign.instance.message).toBe(`Instance ${instanceId} was not found`);
  });

  it('FORBIDDEN says which role the field needs', async () => {
    const refused = await viewer.request(`mutation ($org: ID!) { addInstance(organisationId: $org, environment: PRODUCTION, name: "x") { __typename } }`, {
      org: organisationId,
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toBe('This needs a key with role ADMIN; this key has role VIEWER');

    const operatorOnly = await viewer.request(`mutation { createOrganisation(name: "Mine") { __typename } }`);
    expect(operatorOnly.errors?.[0]?.message).toBe('This needs the operator key; this key has role VIEWER');
  });

  it('logs client mistakes below error level and without stacks', async () => {
    log.lines.length = 0;
    const stream = server.operator.subscribeSse(`subscription { instanceUpdated { id } }`);
    await stream.until(() => stream.ended || stream.values.length > 0, 'the refusal');
    stream.close();
    const socket = server.operator.ws();
    const overWs = server.operator.subscribeWs(socket, `subscription { jobUpdated { id } }`);
    await overWs.until(() => overWs.ended || overWs.values.length > 0 || overWs.error !== undefined, 'the refusal').catch(() => {});
    await socket.dispose();
    await server.operator.request(`query { instance(id: "not-an-id") { __typename } }`);
    await server.operator.request(`query { instance(id: 42) { __typename } }`);

    expect(log.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(log.lines.filter((line) => /\n\s+at /.test(line.text))).toEqual([]);
  });
});
