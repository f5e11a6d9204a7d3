import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decrypt } from '../../src/crypto.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { loadSecretKey } from '../../src/secret-key.ts';
import { emulatorEnvironment, reauthenticate, type Emulator } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { backup } from '../helpers/operations.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The row id behind a global id. */
const localIdOf = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];

const RENAME_ORGANISATION = `mutation ($id: ID!, $name: String!) {
  renameOrganisation(id: $id, name: $name) { __typename ... on Organisation { name } ... on NameTaken { message entity name } ... on Error { message } }
}`;
const UPDATE_INSTANCE = `mutation ($id: ID!, $name: String) {
  updateInstance(id: $id, name: $name) { __typename ... on Instance { name } ... on NameTaken { message entity name } ... on Error { message } }
}`;
const DISCONNECT = `mutation ($id: ID!, $deleteSnapshots: Boolean) {
  disconnectInstance(id: $id, deleteSnapshots: $deleteSnapshots) { __typename ... on Instance { status tokensRemaining snapshots(first: 5) { nodes { id } } } ... on Error { message } }
}`;
const DELETE_INSTANCE = `mutation ($id: ID!, $confirmName: String!) {
  deleteInstance(id: $id, confirmName: $confirmName) { __typename ... on Deletion { id name } ... on InvalidInput { message field } ... on Error { message } }
}`;
const DELETE_ORGANISATION = `mutation ($id: ID!, $confirmName: String!) {
  deleteOrganisation(id: $id, confirmName: $confirmName) { __typename ... on Deletion { id name } ... on InvalidInput { message field } ... on Error { message } }
}`;

describe('managing organisations and instances', () => {
  let emulator: Emulator;
  let server: TestServer;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, records: 5 });
    server = await startTestServer(emulatorEnvironment(emulator));
  });
  afterAll(async () => {
    await server.dispose();
    await emulator.close();
  });

  const refreshTokenWorks = async (refreshToken: string) => {
    const org = emulator.orgs.PRODUCTION;
    const response = await fetch(`${org.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: emulator.clientId, client_secret: emulator.clientSecret }),
    });
    return response.status === 200;
  };

  /** The refresh tokens the service holds for an instance, as it would send them to Salesforce. */
  const refreshTokensOf = async (instanceId: string) => {
    const secretKey = loadSecretKey(server.app.config.secretKey, server.app.config.dataDir);
    const grants = await rowsOf(server.app).all<{ sealed: string }>('SELECT refresh_token_ciphertext AS sealed FROM grants WHERE instance_id = ?', localIdOf(instanceId));
    return grants.map((grant) => decrypt(secretKey, grant.sealed));
  };

  async function connected(admin: GraphQLClient, organisationId: string, name: string) {
    const instanceId = await addInstance(admin, organisationId, 'PRODUCTION', name);
    const org = emulator.orgs.PRODUCTION;
    expect((await reauthenticate(admin, instanceId, { username: org.username, password: org.password })).status).toBe(200);
    return instanceId;
  }

  it('keeps names unique per parent, with a typed error that changes nothing', async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Unique Ltd');
    await createOrganisationWithKey(server.operator, 'Other Ltd');
    const taken = await server.operator.query(`mutation { createOrganisation(name: "UNIQUE LTD") { __typename ... on NameTaken { message name } } }`);
    expect(taken.createOrganisation).toEqual({ __typename: 'NameTaken', message: 'An organisation is already named "UNIQUE LTD"', name: 'UNIQUE LTD' });
    const renamed = await server.operator.query(RENAME_ORGANISATION, { id: organisationId, name: 'other ltd' });
    expect(renamed.renameOrganisation.__typename).toBe('NameTaken');
    expect((await server.operator.query(RENAME_ORGANISATION, { id: organisationId, name: 'Unique Limited' })).renameOrganisation).toEqual({
      __typename: 'Organisation',
      name: 'Unique Limited',
    });

    const first = await addInstance(admin, organisationId, 'PRODUCTION', 'Production');
    await addInstance(admin, organisationId, 'SANDBOX', 'Sandbox');
    const twin = await admin.query(`mutation ($org: ID!) { addInstance(organisationId: $org, environment: SANDBOX, name: "production") { __typename ... on Error { message } } }`, {
      org: organisationId,
    });
    expect(twin.addInstance).toEqual({ __typename: 'NameTaken', message: 'An instance of this organisation is already named "production"' });
    expect((await admin.query(UPDATE_INSTANCE, { id: first, name: 'Sandbox' })).updateInstance.__typename).toBe('NameTaken');
    expect((await admin.query(UPDATE_INSTANCE, { id: first, name: 'Live' })).updateInstance).toEqual({ __typename: 'Instance', name: 'Live' });
    // Another organisation may use the same instance names.
    const other = await createOrganisationWithKey(server.operator, 'Third Ltd');
    await addInstance(other.client, other.organisationId, 'PRODUCTION', 'Live');
  });

  it('disconnects an instance: its grant is revoked at Salesforce, its snapshots kept or deleted as asked', async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Disconnect Ltd');
    const instanceId = await connected(admin, organisationId, 'Kept');
    await backup(admin, instanceId, { objects: ['Account'] });
    const [refreshToken] = await refreshTokensOf(instanceId);
    expect(await refreshTokenWorks(refreshToken)).toBe(true);
    const revocations = emulator.counters().revocations;

    const kept = (await admin.query(DISCONNECT, { id: instanceId })).disconnectInstance;
    expect(kept.status).toBe('NOT_CONNECTED');
    expect(kept.tokensRemaining).toBe(0);
    expect(kept.snapshots.nodes).toHaveLength(1);
    expect(await refreshTokenWorks(refreshToken)).toBe(false);
    expect(emulator.counters().revocations).toBe(revocations + 1);

    const started = await admin.query(`mutation ($id: ID!) { startBackup(instanceId: $id) { __typename } }`, { id: instanceId });
    expect(started.startBackup.__typename).not.toBe('Job');

    // Connected again, then disconnected with its snapshots deleted.
    const org = emulator.orgs.PRODUCTION;
    expect((await reauthenticate(admin, instanceId, { username: org.username, password: org.password })).status).toBe(200);
    const emptied = (await admin.query(DISCONNECT, { id: instanceId, deleteSnapshots: true })).disconnectInstance;
    expect(emptied.snapshots.nodes).toEqual([]);
  });

  it('deletes an instance after its name is confirmed: grant revoked at Salesforce, its data gone', async () => {
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Delete Ltd');
    const instanceId = await connected(admin, organisationId, 'Doomed');
    const snapshotJob = await backup(admin, instanceId, { objects: ['Account', 'Attachment'] });
    expect(snapshotJob.status).toBe('SUCCEEDED');
    const [refreshToken] = await refreshTokensOf(instanceId);
    const count = (table: string) => rowsOf(server.app).count(`SELECT count(*) AS n FROM ${table}`);
    const versionsBefore = await count('record_versions');
    expect(versionsBefore).toBeGreaterThan(0);

    const unconfirmed = (await admin.query(DELETE_INSTANCE, { id: instanceId, confirmName: 'doomed?' })).deleteInstance;
    expect(unconfirmed).toMatchObject({ __typename: 'InvalidInput', field: 'confirmName' });
    expect(await refreshTokenWorks(refreshToken)).toBe(true);

    const deleted = (await admin.query(DELETE_INSTANCE, { id: instanceId, confirmName: 'Doomed' })).deleteInstance;
    expect(deleted).toEqual({ __typename: 'Deletion', id: instanceId, name: 'Doomed' });
    expect(await refreshTokenWorks(refreshToken)).toBe(false);
    const gone = await admin.query(`query ($id: ID!) { instance(id: $id) { __typename } }`, { id: instanceId });
    expect(gone.instance.__typename).toBe('NotFound');
    expect(await count('snapshots')).toBe(0);
    expect(await count('snapshot_records')).toBe(0);
    expect(await count('record_versions')).toBe(0);
    expect(await rowsOf(server.app).count('SELECT count(*) AS n FROM jobs WHERE instance_id = ?', localIdOf(instanceId))).toBe(0);
  });

  it('deletes an organisation with all its data after confirmation; its keys stop working', async () => {
    const blobs = join(server.dataDir, 'blobs');
    const files = () => readdirSync(blobs, { recursive: true }).filter((name) => /[0-9a-f]{64}$/.test(String(name))).length;
    const filesOfOthers = files();
    const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Gone Ltd');
    const instanceId = await connected(admin, organisationId, 'Everything');
    expect((await backup(admin, instanceId, { objects: ['Account', 'Attachment'] })).status).toBe('SUCCEEDED');
    const [refreshToken] = await refreshTokensOf(instanceId);
    expect(files()).toBeGreaterThan(filesOfOthers);

    const notOperator = await admin.request(DELETE_ORGANISATION, { id: organisationId, confirmName: 'Gone Ltd' });
    expect(notOperator.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refused = await server.operator.query(DELETE_ORGANISATION, { id: organisationId, confirmName: 'Gone' });
    expect(refused.deleteOrganisation).toMatchObject({ __typename: 'InvalidInput', field: 'confirmName' });
    const deleted = await server.operator.query(DELETE_ORGANISATION, { id: organisationId, confirmName: 'Gone Ltd' });
    expect(deleted.deleteOrganisation).toEqual({ __typename: 'Deletion', id: organisationId, name: 'Gone Ltd' });

    expect(await refreshTokenWorks(refreshToken)).toBe(false);
    expect((await admin.request('{ viewer { isOperator } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const count = (sql: string) => rowsOf(server.app).count(sql);
    const id = localIdOf(organisationId);
    expect(await count(`SELECT count(*) AS n FROM organisations WHERE id = '${id}'`)).toBe(0);
    for (const table of ['instances', 'api_keys', 'organisation_keys', 'jobs']) expect(await count(`SELECT count(*) AS n FROM ${table} WHERE organisation_id = '${id}'`), table).toBe(0);
    for (const table of ['snapshots', 'grants', 'tokens']) expect(await count(`SELECT count(*) AS n FROM ${table} WHERE instance_id = '${localIdOf(instanceId)}'`), table).toBe(0);
    expect(await count('SELECT count(*) AS n FROM snapshot_records')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM record_versions')).toBe(0);
    // Files nothing names any more go too (those of the instance deleted before as well).
    expect(files()).toBe(0);
    expect(existsSync(blobs)).toBe(true);
  });
});
