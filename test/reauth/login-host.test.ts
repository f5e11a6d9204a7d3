import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseLoginUrl, trustedInstanceUrl, UntrustedInstanceUrlError } from '../../src/salesforce/hosts.ts';
import { reauthenticate, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { INSTANCE_STATE } from '../helpers/operations.ts';

const ADD = `mutation ($organisationId: ID!, $loginUrl: String) {
  addInstance(organisationId: $organisationId, environment: PRODUCTION, name: "My Domain org", loginUrl: $loginUrl) {
    __typename ... on Instance { id loginUrl status } ... on InvalidInput { message field values }
  }
}`;
const UPDATE = `mutation ($id: ID!, $name: String, $loginUrl: String) {
  updateInstance(id: $id, name: $name, loginUrl: $loginUrl) {
    __typename ... on Instance { id name loginUrl } ... on InvalidInput { message field } ... on Error { message }
  }
}`;
const START = `mutation ($instanceId: ID!) { startReauthentication(instanceId: $instanceId) { ... on ReauthenticationStarted { authorizationUrl } } }`;

describe('a login host per instance', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 5 } });
  });
  afterAll(() => setup.close());

  it('takes an https:// login URL (http:// only on loopback) and refuses anything else with InvalidInput', async () => {
    const { admin, organisationId } = setup;
    for (const loginUrl of ['http://acme.example.com', 'ftp://acme.my.salesforce.com', 'https://acme.my.salesforce.com/login', 'https://user:pw@acme.my.salesforce.com', 'not a url']) {
      const refused = (await admin.query(ADD, { organisationId, loginUrl })).addInstance;
      expect(refused, loginUrl).toMatchObject({ __typename: 'InvalidInput', field: 'loginUrl', values: [loginUrl] });
    }
    const added = (await admin.query(ADD, { organisationId, loginUrl: 'https://acme.my.salesforce.com/' })).addInstance;
    expect(added).toMatchObject({ __typename: 'Instance', loginUrl: 'https://acme.my.salesforce.com', status: 'NOT_CONNECTED' });
    const started = (await admin.query(START, { instanceId: added.id })).startReauthentication;
    expect(started.authorizationUrl).toMatch(/^https:\/\/acme\.my\.salesforce\.com\/services\/oauth2\/authorize\?/);

    const renamed = (await admin.query(UPDATE, { id: added.id, name: 'Acme', loginUrl: 'https://acme--uat.sandbox.my.salesforce.com' })).updateInstance;
    expect(renamed).toMatchObject({ name: 'Acme', loginUrl: 'https://acme--uat.sandbox.my.salesforce.com' });
    expect((await admin.query(UPDATE, { id: added.id, loginUrl: 'http://10.0.0.8' })).updateInstance).toMatchObject({ __typename: 'InvalidInput', field: 'loginUrl' });
    const reset = (await admin.query(UPDATE, { id: added.id, loginUrl: null })).updateInstance;
    expect(reset.loginUrl).toBe(setup.emulator.orgs.PRODUCTION.loginUrl);
  });

  it('refuses an instance_url off Salesforce and off the login host before any token is sent there', async () => {
    const { admin, organisationId, emulator } = setup;
    // The same emulator under another host name: it answers instance_url http://127.0.0.1:…, another origin.
    const loginUrl = emulator.orgs.PRODUCTION.loginUrl.replace('127.0.0.1', 'localhost');
    const instance = (await admin.query(ADD, { organisationId, loginUrl })).addInstance;
    const callsBefore = emulator.counters().orgs.PRODUCTION.apiCalls;
    const result = await reauthenticate(admin, instance.id, setup.credentials);
    expect(result.page, result.page).toMatch(/Salesforce named an instance URL outside .* no token was sent there/);
    expect(emulator.counters().orgs.PRODUCTION.apiCalls).toBe(callsBefore);
    expect((await admin.query(INSTANCE_STATE, { id: instance.id })).instance.status).toBe('NOT_CONNECTED');
  });

  it('trusts Salesforce\'s own domains over https and the login host itself', () => {
    expect(normaliseLoginUrl('http://127.0.0.1:4100')).toBe('http://127.0.0.1:4100');
    expect(trustedInstanceUrl('https://acme.my.salesforce.com', 'https://login.salesforce.com')).toBe('https://acme.my.salesforce.com');
    expect(trustedInstanceUrl('https://na1.lightning.force.com/', 'https://test.salesforce.com')).toBe('https://na1.lightning.force.com');
    expect(trustedInstanceUrl('http://127.0.0.1:4100', 'http://127.0.0.1:4100')).toBe('http://127.0.0.1:4100');
    for (const url of ['http://acme.my.salesforce.com', 'https://salesforce.com.evil.example', 'https://evilsalesforce.com', 'https://127.0.0.1:4101']) {
      expect(() => trustedInstanceUrl(url, 'http://127.0.0.1:4100'), url).toThrow(UntrustedInstanceUrlError);
    }
  });
});
