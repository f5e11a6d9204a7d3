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
