import { createHash, randomBytes } from 'node:crypto';
import jsforce from 'jsforce';
import type { Emulator, EnvironmentName } from './connected-instance.ts';
import { loginAtSalesforce } from './connected-instance.ts';

export const TEST_REDIRECT_URI = 'http://localhost:1717/oauth/callback';

export function oauth2For(emulator: Emulator, environment: EnvironmentName = 'PRODUCTION', useVerifier = true) {
  return new jsforce.OAuth2({
    loginUrl: emulator.orgs[environment].loginUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    redirectUri: TEST_REDIRECT_URI,
    useVerifier,
  });
}

/** The OAuth web-server flow with PKCE through the emulator's login page, as jsforce does it; returns a connected jsforce Connection. */
export async function authorizeJsforce(emulator: Emulator, environment: EnvironmentName = 'PRODUCTION') {
  const oauth2 = oauth2For(emulator, environment);
  const org = emulator.orgs[environment];
  const callback = await loginAtSalesforce(oauth2.getAuthorizationUrl({ state: 'test-state', scope: 'api refresh_token' }), org);
  const code = new URL(callback).searchParams.get('code')!;
  const connection = new jsforce.Connection({ oauth2, version: '62.0' });
  await connection.authorize(code);
  return connection;
}

export interface EmulatorGrant {
  accessToken: string;
  refreshToken: string;
  instanceUrl: string;
  /** The identity URL, `{loginUrl}/id/{orgId}/{userId}`. */
  id: string;
}

/**
 * The same flow without jsforce: fills in the login form with fetch, then exchanges the code
 * (PKCE S256) at the token endpoint. Each call is one more approval for the org's user.
 */
export async function authorizeWithEmulator(emulator: Emulator, environment: EnvironmentName = 'PRODUCTION'): Promise<EmulatorGrant> {
  const org = emulator.orgs[environment];
  const verifier = randomBytes(96).toString('base64url');
  const authorize = new URL(`${org.loginUrl}/services/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: emulator.clientId,
    redirect_uri: TEST_REDIRECT_URI,
    state: randomBytes(8).toString('hex'),
    scope: 'api refresh_token',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
  }).toString();
  const callback = new URL(await loginAtSalesforce(authorize.toString(), org));
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`The emulator redirected without a code: ${callback}`);
  const response = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: emulator.clientId,
      client_secret: emulator.clientSecret,
      redirect_uri: TEST_REDIRECT_URI,
      code_verifier: verifier,
    }),
  });
  const token = (await response.json()) as Record<string, string>;
  if (response.status !== 200) throw new Error(`Token exchange failed (${response.status}): ${JSON.stringify(token)}`);
  return { accessToken: token.access_token, refreshToken: token.refresh_token, instanceUrl: token.instance_url, id: token.id };
}
