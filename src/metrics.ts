import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobReads } from '../db/job-reads.ts';
import { JOB_STATUSES, type JobKind, type JobRow } from '../db/schema.ts';

const LABELS = ['kind'] as const;

/**
 * What `/metrics` tells Prometheus: jobs by status (counted when scraped), how long jobs wait in
 * the queue, records and Salesforce calls as jobs go, listeners on the event bus, and Node's own
 * figures (event-loop lag among them). One registry per service instance.
 */
export function createMetrics(jobs: Pick<JobReads, 'countsByStatus'>, eventSubscribers: () => number) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'sfbackup_jobs',
    help: 'Jobs by status',
    labelNames: ['status'],
    registers,
    async collect() {
      const counts = await jobs.countsByStatus();
      for (const status of JOB_STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'sfbackup_event_subscribers',
    help: 'Subscriptions listening for events (WebSocket subscriptions that share one execution count once)',
    registers,
    collect() {
      this.set(eventSubscribers());
    },
  });
  const queueWait = new Histogram({
    name: 'sfbackup_job_queue_wait_seconds',
    help: 'Time from a job being queued to a worker starting it',
    labelNames: LABELS,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers,
  });
  const records = new Counter({ name: 'sfbackup_job_records_total', help: 'Records processed by jobs (rate() gives records per second)', labelNames: LABELS, registers });
  const salesforceCalls = new Counter({ name: 'sfbackup_salesforce_requests_total', help: 'Calls to Salesforce made by jobs, retries included', labelNames: LABELS, registers });
  const salesforceErrors = new Counter({ name: 'sfbackup_salesforce_errors_total', help: 'Calls to Salesforce by jobs that failed (then retried or given up)', labelNames: LABELS, registers });

  return {
    registry,
    jobStarted(job: JobRow) {
      if (job.startedAt) queueWait.observe({ kind: job.kind }, (job.startedAt.getTime() - job.queuedAt.getTime()) / 1000);
    },
    recordsProcessed(kind: JobKind, added: number) {
      if (added > 0) records.inc({ kind }, added);
    },
    salesforceUsed(kind: JobKind, calls: number, errors: number) {
      salesforceCalls.inc({ kind }, calls);
      salesforceErrors.inc({ kind }, errors);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
