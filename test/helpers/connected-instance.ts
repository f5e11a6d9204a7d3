import { startEmulator } from '../../src/emulator/index.ts';
import type { Clock } from '../../src/jobs/scheduler.ts';
import { addInstance, createOrganisationWithKey } from './fixtures.ts';
import type { GraphQLClient } from './graphql-client.ts';
import { startTestServer, type TestServer } from './server.ts';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;
export type EnvironmentName = 'PRODUCTION' | 'SANDBOX';

/** Service settings that point the server at an emulator's connected app and login hosts. */
export function emulatorEnvironment(emulator: Emulator): Record<string, string> {
  return {
    SALESFORCE_CLIENT_ID: emulator.clientId,
    SALESFORCE_CLIENT_SECRET: emulator.clientSecret,
    SALESFORCE_LOGIN_URL_PRODUCTION: emulator.orgs.PRODUCTION.loginUrl,
    SALESFORCE_LOGIN_URL_SANDBOX: emulator.orgs.SANDBOX.loginUrl,
  };
}

const START_REAUTHENTICATION = `mutation ($instanceId: ID!) {
  startReauthentication(instanceId: $instanceId) {
    __typename
    ... on ReauthenticationStarted { authorizationUrl state expiresAt }
    ... on Error { message }
  }
}`;

function formFields(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`No form on the login page: ${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input([^>]*)>/gi)) {
    const name = /name="([^"]*)"/.exec(input[1])?.[1];
    const value = /value="([^"]*)"/.exec(input[1])?.[1] ?? '';
    if (name) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return { action: form[1].replace(/&amp;/g, '&'), fields };
}

/**
 * What a person does in the browser: open the authorization URL, fill in the emulator's login
 * form and submit it. Returns where Salesforce redirects (the service's callback URL).
 */
export async function loginAtSalesforce(
  authorizationUrl: string,
  credentials: { username: string; password: string },
  decision: 'allow' | 'deny' = 'allow',
): Promise<string> {
  const page = await fetch(authorizationUrl);
  const { action, fields } = formFields(await page.text());
  const body = new URLSearchParams({ ...fields, username: credentials.username, password: credentials.password });
  body.set('action', decision === 'allow' ? 'Allow' : 'Deny');
  const response = await fetch(new URL(action, authorizationUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual',
  });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`Login did not redirect (${response.status}): ${await response.text()}`);
  return location;
}

const COMPLETE_REAUTHENTICATION = `mutation ($state: String!, $code: String!) {
  completeReauthentication(state: $state, code: $code) {
    __typename
    ... on Instance { name username }
    ... on Error { message }
  }
}`;

/**
 * Where /oauth/callback sends the browser on: the dashboard, with the state and code in the
 * fragment (or its own page when Salesforce reports an error).
 */
export async function followCallback(callback: string): Promise<{ response: Response; login?: { state: string; code: string } }> {
  const response = await fetch(callback, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 303 || !location) return { response };
  const fragment = new URLSearchParams(location.slice(location.indexOf('?') + 1));
  return { response, login: { state: fragment.get('state')!, code: fragment.get('code')! } };
}

/**
 * Runs startReauthentication and the whole browser round trip, then confirms the login as the
 * dashboard does, with the client's key. Returns what the person is shown.
 */
export async function reauthenticate(
  client: GraphQLClient,
  instanceId: string,
  credentials: { username: string; password: string },
  decision: 'allow' | 'deny' = 'allow',
): Promise<{ status: number; page: string; state: string }> {
  const started = (await client.query(START_REAUTHENTICATION, { instanceId })).startReauthentication;
  if (started.__typename !== 'ReauthenticationStarted') throw new Error(`startReauthentication: ${JSON.stringify(started)}`);
  const { response, login } = await followCallback(await loginAtSalesforce(started.authorizationUrl, credentials, decision));
  if (!login) return { status: response.status, page: await response.text(), state: started.state };
  const result = (await client.query(COMPLETE_REAUTHENTICATION, login)).completeReauthentication;
  const granted = result.__typename === 'Instance';
  return {
    status: granted ? 200 : 400,
    page: granted ? `Salesforce access granted: ${result.name} is connected as ${result.username}` : result.message,
    state: started.state,
  };
}

export interface ConnectedSetup {
  emulator: Emulator;
  server: TestServer;
  organisationId: string;
  /** An ADMIN key of the organisation. */
  admin: GraphQLClient;
  instanceId: string;
  credentials: { username: string; password: string };
  close(): Promise<void>;
}

/** An emulator, a server pointed at it, and one instance connected through the real OAuth flow. */
export async function startConnectedInstance(
  options: {
    environment?: EnvironmentName;
    emulator?: Parameters<typeof startEmulator>[0];
    env?: Record<string, string>;
    /** The scheduler's clock (tests of schedules move it by hand). */
    clock?: Clock;
  } = {},
): Promise<ConnectedSetup> {
  const environment = options.environment ?? 'PRODUCTION';
  const emulator = await startEmulator({ port: 0, ...options.emulator });
  const server = await startTestServer({ ...emulatorEnvironment(emulator), ...options.env }, undefined, { clock: options.clock });
  const { organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Acme');
  const instanceId = await addInstance(admin, organisationId, environment);
  const org = emulator.orgs[environment];
  const credentials = { username: org.username, password: org.password };
  const result = await reauthenticate(admin, instanceId, credentials);
  if (result.status !== 200) throw new Error(`Connecting the instance failed: ${result.page}`);
  const setup: ConnectedSetup = {
    emulator,
    server,
    organisationId,
    admin,
    instanceId,
    credentials,
    close: async () => {
      // The server a test restarted in its place (setup.server), with the one it stopped.
      await setup.server.dispose();
      await server.dispose();
      await emulator.close();
    },
  };
  return setup;
}
