import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNamedType, isLeafType, isObjectType, isUnionType, isInterfaceType, isNonNullType, type GraphQLField, type GraphQLNamedType } from 'graphql';
import { schema } from '../../schema/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, reauthenticate, type Emulator } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { EventStream, GraphQLClient, GraphQLResponse } from '../helpers/graphql-client.ts';
import { START_BACKUP } from '../helpers/operations.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { rawId } from '../unattended/helpers.ts';

const takesNoRequiredArgument = (field: GraphQLField<unknown, unknown>) => field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined);

/** Every field of a type, and of the objects it reaches two levels down (then their ids). */
function everyField(type: GraphQLNamedType, depth = 0): string {
  if (isUnionType(type)) return '__typename';
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  return Object.values(type.getFields())
    .filter(takesNoRequiredArgument)
    .map((field) => {
      const named = getNamedType(field.type);
      if (isLeafType(named)) return field.name;
      if (depth >= 2) return isObjectType(named) && named.getFields().id ? `${field.name} { id }` : `${field.name} { __typename }`;
      return `${field.name} { ${everyField(named, depth + 1)} }`;
    })
    .join(' ');
}

const subscriptionFields = Object.values(schema.getSubscriptionType()!.getFields());
const documentOf = (name: string) => {
  const field = schema.getSubscriptionType()!.getFields()[name];
  return `subscription { ${name} { ${everyField(getNamedType(field.type))} } }`;
};

describe('every live event', () => {
  let emulator: Emulator;
  let server: TestServer;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, records: 5 });
    server = await startTestServer({ ...emulatorEnvironment(emulator), TOKEN_LIMIT: '1' });
  });
  afterAll(async () => {
    await server.dispose();
    await emulator.close();
  });

  it('carries every field of its type, read as a query reads it, for every subscription', async () => {
    // The operator hears every organisation's changes; the organisation's ADMIN key its own events.
    const operatorSocket = server.operator.ws();
    const organisations = server.operator.subscribeWs(operatorSocket, documentOf('organisationChanged'));
    await organisations.opening();
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Every Event Ltd');

    const socket = admin.ws();
    const streams = new Map<string, EventStream<GraphQLResponse>>();
    for (const field of subscriptionFields) streams.set(field.name, admin.subscribeWs(socket, documentOf(field.name)));
    await Promise.all([...streams.values()].map((stream) => stream.opening()));
    // graphql-ws acknowledges no subscription: a query on the same socket answers after they are set up.
    await new Promise<void>((resolve, reject) => socket.subscribe({ query: '{ viewer { isOperator } }' }, { next: () => {}, error: reject, complete: resolve }));

    await trigger(admin, organisationId);

    // Mass-change alerts and low tokens need a backup deleting 40 % of an object or a policy's threshold:
    // their own suites (test/insight, test/unattended) publish them; here their documents are still subscribed.
    const triggeredElsewhere = new Set(['dataAlert', 'tokensLow']);
    const expected = subscriptionFields.map((field) => field.name).filter((name) => !triggeredElsewhere.has(name));
    for (const name of expected) {
      const stream = streams.get(name)!;
      await stream.until(() => stream.values.length > 0, `a ${name} event`);
    }
    await organisations.until(() => organisations.values.some((event) => event.data?.organisationChanged?.change === 'CREATED'), 'organisation created');

    for (const [name, stream] of [...streams, ['organisationChanged (operator)', organisations] as const]) {
      for (const event of stream.values) expect(event.errors, `${name}: ${JSON.stringify(event.errors)}`).toBeUndefined();
    }
    // Whatever the publisher held, the instance is read whole.
    for (const event of streams.get('instanceUpdated')!.values) expect(['Every instance', 'Spare']).toContain(event.data.instanceUpdated.name);
    expect(streams.get('apiKeyChanged')!.values.map((event) => event.data.apiKeyChanged.change)).toEqual(['CREATED', 'UPDATED']);
    await socket.dispose();

    // Deleting the organisation, once its backup is over, tells the operator.
    const jobs = streams.get('jobUpdated')!;
    await jobs.until(() => jobs.values.some((event) => event.data.jobUpdated.status === 'SUCCEEDED'), 'the backup to end');
    const deleted = await server.operator.query(`mutation ($id: ID!) { deleteOrganisation(id: $id, confirmName: "Every Event Limited") { __typename } }`, {
      id: organisationId,
    });
    expect(deleted.deleteOrganisation.__typename).toBe('Deletion');
    await organisations.until(() => organisations.values.some((event) => event.data?.organisationChanged?.change === 'DELETED'), 'organisation deleted');
    expect(organisations.values.map((event) => [event.data.organisationChanged.change, event.data.organisationChanged.organisation?.name ?? null])).toEqual([
      ['CREATED', 'Every Event Ltd'],
      ['UPDATED', 'Every Event Limited'],
      ['DELETED', null],
    ]);
    await operatorSocket.dispose();
  });

  it('leaves out the change of an instance deleted before the change is read, and goes on with the next', async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Short Lived Ltd');
    const keptId = await addInstance(admin, organisationId, 'PRODUCTION', 'Kept');
    const socket = admin.ws();
    const updates = admin.subscribeWs(socket, `subscription { instanceUpdated { id name } }`);
    await updates.opening();
    await new Promise<void>((resolve, reject) => socket.subscribe({ query: '{ viewer { isOperator } }' }, { next: () => {}, error: reject, complete: resolve }));

    // The change of an instance gone by the time it is read (deleted just after), then a change of one still there.
    const kept = (await server.app.store.instances.byId(rawId(keptId)))!;
    server.app.events.publish('instanceUpdated', rawId(organisationId), { ...kept, id: randomUUID(), name: 'Gone' });
    server.app.events.publish('instanceUpdated', rawId(organisationId), kept);
    await updates.until(() => updates.values.length > 0, 'the change of the instance still there');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(updates.values).toEqual([{ data: { instanceUpdated: { id: keptId, name: 'Kept' } } }]);
    await socket.dispose();
  });

  /** Does what makes each subscription fire once at least. */
  async function trigger(admin: GraphQLClient, organisationId: string) {
    const instanceId = await addInstance(admin, organisationId, 'PRODUCTION', 'Every instance');
    const org = emulator.orgs.PRODUCTION;
    const connected = await reauthenticate(admin, instanceId, { username: org.username, password: org.password });
    expect(connected.status).toBe(200);
    // The only token goes: the instance announces it is exhausted.
    const started = await admin.query(START_BACKUP, { instanceId, objects: ['Account'] });
    expect(started.startBackup.__typename).toBe('Job');
    const minted = await admin.query(`mutation ($org: ID!) { createApiKey(organisationId: $org, role: VIEWER, name: "reader") { ... on ApiKeyCreated { apiKey { id } } } }`, {
      org: organisationId,
    });
    await admin.query(`mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: minted.createApiKey.apiKey.id });
    const renamed = await server.operator.query(`mutation ($id: ID!) { renameOrganisation(id: $id, name: "Every Event Limited") { __typename } }`, { id: organisationId });
    expect(renamed.renameOrganisation.__typename).toBe('Organisation');
    const spare = await addInstance(admin, organisationId, 'SANDBOX', 'Spare');
    const removed = await admin.query(`mutation ($id: ID!) { deleteInstance(id: $id, confirmName: "Spare") { __typename } }`, { id: spare });
    expect(removed.deleteInstance.__typename).toBe('Deletion');
  }
});
