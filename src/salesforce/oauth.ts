import jsforce from 'jsforce';
import { trustedInstanceUrl } from './hosts.ts';

/** The connected app this service is registered as at Salesforce. */
export interface ConnectedApp {
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: string;
  apiVersion: string;
}

export interface AuthorizedGrant {
  accessToken: string;
  refreshToken: string;
  instanceUrl: string;
  salesforceOrgId: string;
  salesforceUserId: string;
  username: string;
}

export const OAUTH_SCOPE = 'api refresh_token';

function oauth2(app: ConnectedApp, loginUrl: string, useVerifier = false) {
  return new jsforce.OAuth2({
    loginUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    useVerifier,
  });
}

/** The Salesforce login URL to send the user to, and the PKCE verifier to keep until the callback. */
export function authorizationRequest(app: ConnectedApp, loginUrl: string, state: string) {
  const client = oauth2(app, loginUrl, true);
  const url = client.getAuthorizationUrl({ state, scope: OAUTH_SCOPE, prompt: 'login consent' });
  return { url, codeVerifier: client.codeVerifier as string };
}

/** Exchanges an authorization code (with its PKCE verifier) and reads who approved it. */
export async function exchangeCode(
  app: ConnectedApp,
  loginUrl: string,
  code: string,
  codeVerifier: string,
): Promise<AuthorizedGrant> {
  const connection = new jsforce.Connection({ oauth2: oauth2(app, loginUrl), version: app.apiVersion });
  await connection.authorize(code, { code_verifier: codeVerifier });
  // Checked before the first call that carries the new token.
  const instanceUrl = trustedInstanceUrl(connection.instanceUrl, loginUrl);
  if (!connection.refreshToken) {
    throw new Error('Salesforce issued no refresh token: the connected app must allow the refresh_token scope');
  }
  const identity = await connection.identity();
  return {
    accessToken: connection.accessToken!,
    refreshToken: connection.refreshToken,
    instanceUrl,
    salesforceOrgId: identity.organization_id,
    salesforceUserId: identity.user_id,
    username: identity.username,
  };
}

export interface RefreshedSession {
  accessToken: string;
  instanceUrl: string;
  /** Present only when the org rotates refresh tokens. */
  refreshToken: string | undefined;
}

export async function refreshSession(app: ConnectedApp, loginUrl: string, refreshToken: string): Promise<RefreshedSession> {
  const response = await oauth2(app, loginUrl).refreshToken(refreshToken);
  return {
    accessToken: response.access_token,
    instanceUrl: trustedInstanceUrl(response.instance_url, loginUrl),
    refreshToken: response.refresh_token,
  };
}

export async function revokeToken(app: ConnectedApp, loginUrl: string, token: string): Promise<void> {
  await oauth2(app, loginUrl).revokeToken(token);
}
