import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controls } from './control.ts';
import { FaultInjector } from './faults.ts';
import { EmulatedOrg, ORG_DEFINITIONS, type EnvironmentName } from './org.ts';
import { createRequestHandler } from './server.ts';
import { TokenStore } from './tokens.ts';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Generated records per object in each org. */
  records?: number;
  accessTokenTtlSeconds?: number;
  rotateRefreshTokens?: boolean;
  dailyApiLimit?: number;
  /** Varies the generated data; the same seed gives the same records. */
  seed?: number;
}

export interface EmulatedOrgInfo {
  environment: EnvironmentName;
  loginUrl: string;
  instanceUrl: string;
  orgId: string;
  userId: string;
  username: string;
  password: string;
}

export const EMULATOR_CLIENT = { clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret' };

/** The host in the URLs handed out: a wildcard bind is reached through loopback, IPv6 needs brackets. */
function advertisedHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the Salesforce emulator on a loopback port: two orgs, a connected app, and controls. */
export async function startEmulator(options: EmulatorOptions = {}) {
  const tokens = new TokenStore((options.accessTokenTtlSeconds ?? 7200) * 1000, options.rotateRefreshTokens ?? false);
  const faults = new FaultInjector();
  const host = options.host ?? '127.0.0.1';
  // Salesforce instance URLs have no path (jsforce resolves some URLs against the host), so each
  // org gets its own port: PRODUCTION on the requested one, SANDBOX on the next free one.
  const servers = await Promise.all(
    ORG_DEFINITIONS.map(async (_, index) => {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(index === 0 ? (options.port ?? 0) : 0, host, resolve);
      });
      return server;
    }),
  );
  const urlOf = (server: (typeof servers)[number]) => `http://${advertisedHost(host)}:${(server.address() as AddressInfo).port}`;
  const orgList = ORG_DEFINITIONS.map(
    (definition, index) =>
      new EmulatedOrg(
        { ...definition, seed: (options.seed ?? 0) * ORG_DEFINITIONS.length + definition.seed },
        urlOf(servers[index]),
        EMULATOR_CLIENT,
        tokens,
        options.records ?? 50,
        options.dailyApiLimit ?? 15000,
      ),
  );
  const state = { orgs: orgList, tokens, faults };
  servers.forEach((server, index) => {
    const handle = createRequestHandler(state, orgList[index]);
    server.on('request', (req, res) => void handle(req, res));
  });
  const url = urlOf(servers[0]);

  const info = (org: EmulatedOrg): EmulatedOrgInfo => ({
    environment: org.definition.environment,
    loginUrl: org.loginUrl,
    instanceUrl: org.instanceUrl,
    orgId: org.user.orgId,
    userId: org.user.userId,
    username: org.user.username,
    password: org.user.password,
  });
  const byEnvironment = (environment: EnvironmentName) => orgList.find((org) => org.definition.environment === environment)!;

  return {
    url,
    clientId: EMULATOR_CLIENT.clientId,
    clientSecret: EMULATOR_CLIENT.clientSecret,
    orgs: { PRODUCTION: info(byEnvironment('PRODUCTION')), SANDBOX: info(byEnvironment('SANDBOX')) },
    /** Each org's data, to change records without the API (tests, demos). */
    data: { PRODUCTION: byEnvironment('PRODUCTION').data, SANDBOX: byEnvironment('SANDBOX').data },
    ...controls(state),
    setAccessTokenTtl: (seconds: number) => tokens.setAccessTokenTtl(seconds * 1000),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;
