import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup } from '../helpers/operations.ts';
import { OPERATOR_KEY } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';

/** The value of one series in Prometheus's text format, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let setup: ConnectedSetup;
  const scrape = async (key = OPERATOR_KEY) =>
    fetch(`${setup.server.url}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 300 }, env: { SALESFORCE_RETRY_DELAY_MS: '10' } });
  });
  afterAll(() => setup.close());

  it('counts jobs by status, records, Salesforce calls and errors, queue waits and listeners, for the operator key only', async () => {
    const before = await (await scrape()).text();
    expect(sample(before, 'sfbackup_jobs{status="SUCCEEDED"}')).toBe(0);

    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query', count: 1, status: 503 });
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Contact'] });
    expect(job.status).toBe('SUCCEEDED');
    const events = setup.admin.subscribeSse(`subscription ($o: ID) { jobUpdated(organisationId: $o) { id status } }`, { o: setup.organisationId });

    let text = '';
    await waitUntil(async () => {
      text = await (await scrape()).text();
      return (sample(text, 'sfbackup_event_subscribers') ?? 0) >= 1;
    }, 'the SSE subscription to be counted', 10_000, 100);
    events.close();
    const response = await scrape();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, 'sfbackup_jobs{status="SUCCEEDED"}')).toBe(1);
    expect(sample(text, 'sfbackup_jobs{status="RUNNING"}')).toBe(0);
    expect(sample(text, 'sfbackup_job_records_total{kind="BACKUP"}')).toBe(job.progress.processed);
    expect(sample(text, 'sfbackup_salesforce_requests_total{kind="BACKUP"}')).toBe(job.apiCalls);
    expect(sample(text, 'sfbackup_salesforce_errors_total{kind="BACKUP"}')).toBe(1);
    expect(sample(text, 'sfbackup_job_queue_wait_seconds_count{kind="BACKUP"}')).toBe(1);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

    expect((await scrape('')).status).toBe(401);
    expect((await scrape(setup.admin.apiKey)).status).toBe(403);
  });
});
