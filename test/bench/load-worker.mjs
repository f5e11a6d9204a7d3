/**
 * The load generator, run in a worker thread so it does not share the event loop of the servers it
 * measures: `connections` keep-alive connections each send one request after another until
 * `seconds` have passed, then wait for the answer on its way. Every answer is counted, and the time
 * runs to the last one, so a slow target is not flattered by answers left out at the end.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, body, headers, connections, seconds } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const requestHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers };
const latencies = [];
let errors = 0;

function send() {
  return new Promise((resolve) => {
    const sent = performance.now();
    const outgoing = request(url, { method: 'POST', agent, headers: requestHeaders }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) latencies.push(performance.now() - sent);
        else errors += 1;
        resolve();
      });
    });
    outgoing.on('error', () => {
      errors += 1;
      resolve();
    });
    outgoing.end(body);
  });
}

const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() < deadline) await send();
  }),
);
const elapsed = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const p99Ms = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] : Number.NaN;
parentPort.postMessage({ requests: latencies.length, errors, seconds: elapsed, p99Ms });
