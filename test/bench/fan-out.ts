import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { eq } from 'drizzle-orm';
import WebSocket, { WebSocketServer } from 'ws';
import { instances } from '../../db/schema.ts';
import { CANCEL_JOB, START_BACKUP, SUBSCRIPTIONS } from '../../src/dashboard/operations.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, reauthenticate, type Emulator } from '../helpers/connected-instance.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer , sqliteHandleOf } from '../helpers/server.ts';
import { percentile } from './stats.ts';

export interface FanOutResult {
  clients: number;
  organisations: number;
  service: { p50Ms: number; p99Ms: number };
  rawWs: { p50Ms: number; p99Ms: number };
  fanOutDistinctKeysP99VsRawWsRatio: number;
  startBackup: { withoutSubscribersP99Ms: number; withSubscribersP99Ms: number; withoutSubscribersP50Ms: number; withSubscribersP50Ms: number };
  mutationDelayUnderFanOutRatio: number;
}

const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;
const ROUNDS = 5;
const MUTATION_ROUNDS = 3;

interface Organisation {
  id: string;
  instanceId: string;
  keys: string[];
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

// Salesforce keeps five approvals per user and connected app: five instances per emulated org.
const CONNECTED_PER_ENVIRONMENT = 5;

/**
 * An organisation with an instance (the first ten connected, to the emulator's two orgs) and
 * `keys` API keys of every role in turn.
 */
async function createOrganisation(server: TestServer, emulator: Emulator, index: number, keys: number): Promise<Organisation> {
  const { organisationId, client } = await createOrganisationWithKey(server.operator, `Fan-out ${index}`, 'ADMIN');
  const environment = index < CONNECTED_PER_ENVIRONMENT ? 'PRODUCTION' : 'SANDBOX';
  const instanceId = await addInstance(client, organisationId, environment);
  if (index < 2 * CONNECTED_PER_ENVIRONMENT) {
    const connected = await reauthenticate(client, instanceId, emulator.orgs[environment]);
    if (connected.status !== 200) throw new Error(`Connecting an instance failed: ${connected.page}`);
  }
  const secrets = [client.apiKey!];
  for (let k = 1; k < keys; k++) {
    const created = await server.operator.query(
      `mutation ($organisationId: ID!, $role: Role!) { createApiKey(organisationId: $organisationId, role: $role, name: "fan-out") { ... on ApiKeyCreated { secret } } }`,
      { organisationId, role: ROLES[k % ROLES.length] },
    );
    secrets.push(created.createApiKey.secret);
  }
  return { id: organisationId, instanceId, keys: secrets };
}

/**
 * A dashboard's live connection as the dashboard opens it: one graphql-ws socket, on which it
 * subscribes to its four subscriptions for its organisation. Bare sockets, parsing each message as
 * the raw baseline's clients do, so both sides pay the same client cost.
 */
async function connectDashboard(url: string, key: string, organisationId: string, documents: string[], onNext: (message: { id: string; payload: unknown }) => void) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'next') onNext(message);
    else if (message.type === 'error') throw new Error(`Subscription refused: ${JSON.stringify(message.payload)}`);
  });
  const ids = (round: number) => documents.map((_, i) => `${round}:${i}`);
  return {
    subscribe: (round: number) =>
      ids(round).forEach((id, i) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: documents[i], variables: { organisationId } } }))),
    unsubscribe: (round: number) => ids(round).forEach((id) => socket.send(JSON.stringify({ id, type: 'complete' }))),
    close: () => socket.close(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 500)); // every (un)subscribe message processed

/**
 * startBackup with the dashboard's own document, once on every organisation's instance, one after
 * another, from a client in a worker thread (mutation-worker.mjs). The job worker is stopped and
 * each job cancelled once started (untimed): what is timed is the mutation and the events it
 * publishes, not backups of the emulator's whole catalogue (about a second each) running beside it.
 */
async function startBackupLatencies(server: TestServer, organisations: Organisation[], startBackup: string, passes: number): Promise<number[]> {
  const worker = new Worker(new URL('./mutation-worker.mjs', import.meta.url), {
    workerData: {
      endpoint: server.operator.endpoint,
      apiKey: server.operator.apiKey,
      startBackup,
      cancelJob: CANCEL_JOB,
      instanceIds: organisations.map((organisation) => organisation.instanceId),
      passes,
    },
  });
  const [latencies] = (await once(worker, 'message')) as [number[]];
  await worker.terminate();
  return latencies;
}

/** The limit: a bare ws server sending the same bytes to the same number of sockets. */
async function rawWsServer(clients: number) {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let onReceived = () => {};
  const sockets = await inBatches(Array.from({ length: clients }), 100, async () => {
    const socket = new WebSocket(url);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.on('message', (data) => {
      JSON.parse(String(data));
      onReceived();
    });
    return socket;
  });
  return {
    /** Sends each socket its message; resolves with every socket's latency. */
    async round(payloads: string[]) {
      const received: number[] = [];
      const all = new Promise<void>((resolve) => {
        onReceived = () => {
          received.push(performance.now());
          if (received.length === clients) resolve();
        };
      });
      const start = performance.now();
      let i = 0;
      for (const client of wss.clients) client.send(payloads[i++ % payloads.length]);
      await all;
      return received.map((at) => at - start);
    },
    async close() {
      for (const socket of sockets) socket.close();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Dashboards of `organisations` organisations, `clients` in all, each with its own API key (roles
 * mixed), each holding the dashboard's four subscriptions on one socket:
 * - fan-out: every organisation's instance runs out of tokens at once (its tokenExhausted event
 *   published on the bus in one go), timed to each dashboard receiving it, against raw ws sending
 *   the same bytes to as many sockets;
 * - startBackup, with the dashboard's own document, on the ten connected instances in turn,
 *   without and with those dashboards subscribed, in three rounds taken in turn.
 */
export async function benchFanOut(options: { clients: number; organisations: number }): Promise<FanOutResult> {
  const emulator = await startEmulator({ port: 0, records: 5, dailyApiLimit: 100_000_000 });
  const server = await startTestServer({ ...emulatorEnvironment(emulator), TOKEN_LIMIT: '100' });
  try {
    const documents = SUBSCRIPTIONS;
    const dashboardSubscriptions = [documents.instanceUpdated, documents.tokenExhausted, documents.reauthCompleted, documents.jobUpdated];
    const startBackup = START_BACKUP;
    const keysPerOrganisation = Math.ceil(options.clients / options.organisations);
    const organisations = await inBatches(Array.from({ length: options.organisations }, (_, i) => i), 10, (i) =>
      createOrganisation(server, emulator, i, keysPerOrganisation),
    );
    const connected = organisations.slice(0, 2 * CONNECTED_PER_ENVIRONMENT);
    // About 200 starts on each side, in rounds taken in turn.
    const passesPerRound = Math.ceil(200 / MUTATION_ROUNDS / connected.length);

    const url = server.url.replace(/^http/, 'ws') + '/graphql';
    let onExhausted = (_message: string) => {};
    const subscribers = organisations.flatMap((organisation) => organisation.keys.map((key) => ({ key, organisationId: organisation.id })));
    const dashboards = await inBatches(subscribers.slice(0, options.clients), 100, ({ key, organisationId }) =>
      connectDashboard(url, key, organisationId, dashboardSubscriptions, (message) => {
        if (message.id.endsWith(':1')) onExhausted(JSON.stringify(message));
      }),
    );

    const { db } = sqliteHandleOf(server.app);
    const rows = organisations.map((organisation) => db.select().from(instances).where(eq(instances.id, Buffer.from(organisation.instanceId, 'base64url').toString().split(':')[1])).get()!);
    const serviceRound = async () => {
      const received: number[] = [];
      const messages: string[] = [];
      const all = new Promise<void>((resolve) => {
        onExhausted = (message) => {
          received.push(performance.now());
          if (messages.length < organisations.length) messages.push(message);
          if (received.length === dashboards.length) resolve();
        };
      });
      const start = performance.now();
      for (const instance of rows) {
        server.app.events.publish('tokenExhausted', instance.organisationId, {
          instance,
          message: 'expired access/refresh token',
          reason: 'LIMIT_REACHED',
          occurredAt: new Date(),
        });
      }
      await all;
      return { latencies: received.map((at) => at - start), messages };
    };

    await server.app.worker.stop();
    // A first pass warms up the mutation; it is not counted.
    await startBackupLatencies(server, connected, startBackup, 1);
    const without: number[] = [];
    const withSubscribers: number[] = [];
    const serviceRounds: number[][] = [];
    const rawRounds: number[][] = [];
    for (let round = 0; round < MUTATION_ROUNDS; round++) {
      without.push(...(await startBackupLatencies(server, connected, startBackup, passesPerRound)));
      for (const dashboard of dashboards) dashboard.subscribe(round);
      await settle();
      withSubscribers.push(...(await startBackupLatencies(server, connected, startBackup, passesPerRound)));
      if (round === MUTATION_ROUNDS - 1) {
        const first = await serviceRound(); // warm-up, and the bytes the raw baseline sends
        const raw = await rawWsServer(dashboards.length);
        for (let fanOutRound = 0; fanOutRound < ROUNDS; fanOutRound++) {
          serviceRounds.push((await serviceRound()).latencies);
          rawRounds.push(await raw.round(first.messages));
        }
        await raw.close();
      }
      for (const dashboard of dashboards) dashboard.unsubscribe(round);
      await settle();
    }
    for (const dashboard of dashboards) dashboard.close();

    const median = (rounds: number[][]) => ({
      p50Ms: percentile(rounds.map((r) => percentile(r, 50)), 50),
      p99Ms: percentile(rounds.map((r) => percentile(r, 99)), 50),
    });
    const service = median(serviceRounds);
    const rawWs = median(rawRounds);
    return {
      clients: dashboards.length,
      organisations: organisations.length,
      service,
      rawWs,
      fanOutDistinctKeysP99VsRawWsRatio: service.p99Ms / rawWs.p99Ms,
      startBackup: {
        withoutSubscribersP50Ms: percentile(without, 50),
        withoutSubscribersP99Ms: percentile(without, 99),
        withSubscribersP50Ms: percentile(withSubscribers, 50),
        withSubscribersP99Ms: percentile(withSubscribers, 99),
      },
      mutationDelayUnderFanOutRatio: percentile(withSubscribers, 99) / percentile(without, 99),
    };
  } finally {
    await server.dispose();
    await emulator.close();
  }
}
