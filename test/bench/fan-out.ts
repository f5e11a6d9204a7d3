import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { startConnectedInstance } from '../helpers/connected-instance.ts';
import { percentile } from './stats.ts';

export interface FanOutResult {
  clients: number;
  service: { p50Ms: number; p99Ms: number };
  rawWs: { p50Ms: number; p99Ms: number };
  fanOutP99VsRawWsRatio: number;
}

const SUBSCRIPTION = 'subscription { tokenExhausted { message reason occurredAt instance { id status } } }';
const START_BACKUP = 'mutation ($id: ID!) { startBackup(instanceId: $id) { __typename } }';

async function connectAll<T>(count: number, connect: () => Promise<T>, batch = 100): Promise<T[]> {
  const all: T[] = [];
  for (let i = 0; i < count; i += batch) all.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, connect))));
  return all;
}

/** From the mutation that uses the last token to each of N graphql-ws subscribers receiving tokenExhausted. */
async function measureService(clients: number) {
  const setup = await startConnectedInstance();
  try {
    const { admin, instanceId } = setup;
    for (let i = 0; i < 4; i++) await admin.query(START_BACKUP, { id: instanceId });
    const received: number[] = [];
    let resolveAll!: () => void;
    const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
    // Bare sockets speaking the graphql-ws protocol, parsing each message as the raw baseline's
    // clients do, so both sides pay the same client cost.
    const url = admin.endpoint.replace(/^http/, 'ws');
    const sockets = await connectAll(clients, async () => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${admin.apiKey}` } }));
      await new Promise<void>((resolve) => socket.once('message', () => resolve()));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type !== 'next') return;
        received.push(performance.now());
        if (received.length === clients) resolveAll();
      });
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
      return socket;
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // let every subscribe message be processed
    const start = performance.now();
    await admin.query(START_BACKUP, { id: instanceId });
    await allReceived;
    for (const socket of sockets) socket.close();
    const latencies = received.map((at) => at - start);
    return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await setup.close();
  }
}

/** The limit: a bare ws server sending the same bytes to N sockets. */
async function measureRawWs(clients: number, payload: string) {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const received: number[] = [];
  let resolveAll!: () => void;
  const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
  const sockets = await connectAll(clients, async () => {
    const socket = new WebSocket(url);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.on('message', (data) => {
      JSON.parse(String(data));
      received.push(performance.now());
      if (received.length === clients) resolveAll();
    });
    return socket;
  });
  const start = performance.now();
  for (const client of wss.clients) client.send(payload);
  await allReceived;
  for (const socket of sockets) socket.close();
  wss.close();
  server.closeAllConnections();
  server.close();
  const latencies = received.map((at) => at - start);
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

const ROUNDS = 5;

/**
 * Each side is measured ROUNDS times, in turn, and the median round reported, so one slow spell of
 * this shared machine does not decide the ratio.
 */
export async function benchFanOut(options: { clients: number }): Promise<FanOutResult> {
  const payload = JSON.stringify({
    id: '1',
    type: 'next',
    payload: { data: { tokenExhausted: { message: 'expired access/refresh token', reason: 'LIMIT_REACHED', occurredAt: new Date().toISOString(), instance: { id: 'SW5zdGFuY2U6MQ', status: 'REAUTH_REQUIRED' } } } },
  });
  const serviceRounds = [];
  const rawRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    serviceRounds.push(await measureService(options.clients));
    rawRounds.push(await measureRawWs(options.clients, payload));
  }
  const median = (rounds: { p50Ms: number; p99Ms: number }[]) => ({
    p50Ms: percentile(rounds.map((r) => r.p50Ms), 50),
    p99Ms: percentile(rounds.map((r) => r.p99Ms), 50),
  });
  const service = median(serviceRounds);
  const rawWs = median(rawRounds);
  return { clients: options.clients, service, rawWs, fanOutP99VsRawWsRatio: service.p99Ms / rawWs.p99Ms };
}
