import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controls } from './control.ts';
import { FaultInjector } from './faults.ts';
import { EmulatedOrg, ORG_DEFINITIONS, type EnvironmentName } from './org.ts';
import { createRequestHandler } from './server.ts';
import { readSavedEmulator, writeSavedEmulator, type SavedEmulator } from './saved-state.ts';
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
  /**
   * Keeps the orgs (records, API usage), the live tokens and the ports in this file across
   * restarts: saved a second after a change and on close, loaded on start.
   */
  stateFile?: string;
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
  const saved = options.stateFile ? readSavedEmulator(options.stateFile) : undefined;
  const tokens = new TokenStore((options.accessTokenTtlSeconds ?? 7200) * 1000, options.rotateRefreshTokens ?? false);
  const faults = new FaultInjector();
  const host = options.host ?? '127.0.0.1';
  // Salesforce instance URLs have no path (jsforce resolves some URLs against the host), so each
  // org gets its own port: PRODUCTION on the requested one, SANDBOX on the next free one.
  const servers = await Promise.all(
    ORG_DEFINITIONS.map(async (_, index) => {
      // Node refuses heads over 16 KB itself; the handler answers as Salesforce does instead.
      const server = createServer({ maxHeaderSize: 256 * 1024 });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // A saved org comes back on its port: instances connected to it keep their URLs.
        const savedPort = saved?.ports[ORG_DEFINITIONS[index].environment];
        server.listen(savedPort ?? (index === 0 ? (options.port ?? 0) : 0), host, resolve);
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
        saved?.orgs[definition.environment],
      ),
  );
  if (saved) tokens.load(saved.tokens, orgList.map((org) => org.user));
  const portOf = (server: (typeof servers)[number]) => (server.address() as AddressInfo).port;
  const save = () =>
    options.stateFile &&
    writeSavedEmulator(options.stateFile, {
      version: 1,
      ports: Object.fromEntries(orgList.map((org, index) => [org.definition.environment, portOf(servers[index])])) as SavedEmulator['ports'],
      orgs: Object.fromEntries(orgList.map((org) => [org.definition.environment, org.dump()])) as SavedEmulator['orgs'],
      tokens: tokens.dump(),
    });
  let saveTimer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (options.stateFile) saveTimer ??= setTimeout(() => ((saveTimer = undefined), save()), 1000).unref();
  };
  save();
  const state = { orgs: orgList, tokens, faults, changed };
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
    /** Writes the state file now (it is also written a second after each change, and on close). */
    save: () => save(),
    close: async () => {
      clearTimeout(saveTimer);
      save();
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
