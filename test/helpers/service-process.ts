import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { OPERATOR_KEY } from './server.ts';
import { waitUntil } from './wait.ts';

const root = new URL('../..', import.meta.url).pathname;

/** `npm run build:service`: the tests and the benchmark run the service as `npm start` does, built. */
export function buildService(): void {
  execFileSync('npm', ['run', '--silent', 'build:service'], { cwd: root, stdio: 'inherit' });
}

/** `npm run build:dashboard`, the build `npm start` serves: the browser tests drive it. */
export function buildDashboard(): void {
  execFileSync('npm', ['run', '--silent', 'build:dashboard'], { cwd: root, stdio: 'inherit' });
}

/** Node's arguments for the built service (`npm start`'s command), after any of the caller's. */
export const serviceArgs = (nodeArgs: string[] = []) => [...nodeArgs, '--enable-source-maps', 'dist/main.js'];

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Peak resident memory of the process so far, in bytes (Linux). */
  peakRss(): number;
  stop(): Promise<void>;
}

/** The built service in its own process, as `npm start` runs it; resolves once it listens. */
export async function startServiceProcess(env: Record<string, string>, args: string[] = []): Promise<ServiceProcess> {
  const child = spawn(process.execPath, serviceArgs(args), {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  for (;;) {
    const match = /GraphQL API on (http:\/\/\S+)\/graphql/.exec(output);
    if (match) {
      return {
        child,
        url: match[1],
        output: () => output,
        peakRss: () => peakRssOf(child.pid!),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          await new Promise((resolve) => child.once('exit', resolve));
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`The service exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function peakRssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kilobytes * 1024;
}

/** A metric without labels from the /metrics of the service at `url` (the operator key reads them). */
export async function metricOf(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } })).text();
  return Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

const eventSubscribers = (url: string) => metricOf(url, 'sfbackup_event_subscribers');

/**
 * Subscribes, and resolves once the service at `url` holds one more event subscription than
 * before: graphql-ws does not acknowledge a subscribe.
 */
export async function subscribedOn<Stream extends { opening(): Promise<void> }>(url: string, subscribe: () => Stream): Promise<Stream> {
  const before = await eventSubscribers(url);
  const stream = subscribe();
  await stream.opening();
  await waitUntil(async () => (await eventSubscribers(url)) > before, `a new event subscription on ${url}`, 10_000);
  return stream;
}
