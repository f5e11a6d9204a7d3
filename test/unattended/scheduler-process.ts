/**
 * A worker process for the two-process test: the service's app (database, job worker, scheduler)
 * on a shared database (a SQLite file or PostgreSQL), with its clock fixed at `NOW`. Once the line
 * "go" comes on stdin it ticks the scheduler as fast as it can for `TICK_MS`, then prints the runs
 * it claimed as JSON.
 */
import { createInterface } from 'node:readline';
import { createLogger } from 'graphql-yoga';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const now = new Date(process.env.NOW!);
const app = await createApp(loadConfig(process.env), createLogger('silent'), { clock: { now: () => new Date(now) } });
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'go') continue;
  const claimed: { instanceId: string; scheduledFor: string; outcome: string; jobId: string | null }[] = [];
  const until = Date.now() + Number(process.env.TICK_MS);
  while (Date.now() < until) {
    for (const run of await app.scheduler.tick()) {
      claimed.push({ instanceId: run.instanceId, scheduledFor: run.scheduledFor.toISOString(), outcome: run.outcome, jobId: run.jobId });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write(`${JSON.stringify(claimed)}\n`);
  await app.close();
  process.exit(0);
}
