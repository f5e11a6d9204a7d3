import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Database from 'better-sqlite3';
import { FAILURES_SHOWN, JOBS_SHOWN, ORGANISATIONS_SHOWN, SNAPSHOTS_SHOWN } from '../../src/dashboard/operations.ts';

/**
 * The practical limit for the dashboard's data: what a careful developer would write by hand for
 * the dashboard's `organisations` document with every feature on, on node:http and better-sqlite3.
 * It checks the API key as the service does, reads the same database with one prepared statement
 * per kind of row, and sends the same JSON as the service (the benchmark checks they are equal).
 */
export function handWrittenDashboardServer(databaseFile: string): Server {
  const sqlite = new Database(databaseFile, { readonly: true });
  const operatorHash = sqlite.prepare(`select value from settings where key = 'operator_key_hash'`).pluck();
  const organisations = sqlite.prepare('select id, name, created_at from organisations order by created_at, id limit ?');
  // Everything below reads the instances of the page's organisations only (a JSON array of their ids).
  const shown = 'i.organisation_id in (select value from json_each(?))';
  const instances = sqlite.prepare(`select * from instances i where ${shown} order by created_at, id`);
  const tokens = sqlite.prepare(
    `select t.instance_id, t.status from tokens t join instances i on i.id = t.instance_id and i.current_grant_id = t.grant_id where ${shown}`,
  );
  // Each instance's newest jobs and snapshots through their (instance, order) indexes.
  const jobs = sqlite.prepare(
    `select j.* from instances i join jobs j on j.id in (select id from jobs where instance_id = i.id order by queued_at desc, id desc limit ?)
     where ${shown} order by j.queued_at desc, j.id desc`,
  );
  const failures = sqlite.prepare(
    `select * from (select f.*, row_number() over (partition by job_id order by id) as position
       from job_failures f where job_id in (select value from json_each(?)))
     where position <= ? order by id`,
  );
  const snapshots = sqlite.prepare(
    `select s.* from instances i join snapshots s on s.id in
       (select id from snapshots where instance_id = i.id and completed_at is not null order by sequence desc limit ?)
     where ${shown} order by s.sequence desc`,
  );
  const snapshotObjects = sqlite.prepare(
    'select snapshot_id, name, record_count, deleted_count from snapshot_objects where snapshot_id in (select value from json_each(?)) order by name',
  );

  const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64url');
  const cursor = (organisation: Row) => Buffer.from(JSON.stringify(['organisations', organisation.created_at, organisation.id])).toString('base64url');
  const iso = (millis: number | null) => (millis === null ? null : new Date(millis).toISOString());
  const groupBy = <T extends Record<string, unknown>>(rows: T[], key: string) => {
    const groups = new Map<unknown, T[]>();
    for (const row of rows) {
      const group = groups.get(row[key]);
      if (group) group.push(row);
      else groups.set(row[key], [row]);
    }
    return groups;
  };

  type Row = Record<string, any>;

  function dashboard() {
    const organisationRows = organisations.all(ORGANISATIONS_SHOWN + 1) as Row[];
    const page = organisationRows.slice(0, ORGANISATIONS_SHOWN);
    const pageIds = JSON.stringify(page.map((organisation) => organisation.id));
    const tokensByInstance = groupBy(tokens.all(pageIds) as Row[], 'instance_id');
    const jobRows = jobs.all(JOBS_SHOWN, pageIds) as Row[];
    const failuresByJob = groupBy(failures.all(JSON.stringify(jobRows.map((job) => job.id)), FAILURES_SHOWN + 1) as Row[], 'job_id');
    const jobsByInstance = groupBy(jobRows, 'instance_id');
    const snapshotRows = snapshots.all(SNAPSHOTS_SHOWN, pageIds) as Row[];
    const objectsBySnapshot = groupBy(snapshotObjects.all(JSON.stringify(snapshotRows.map((s) => s.id))) as Row[], 'snapshot_id');
    const snapshotsByInstance = groupBy(snapshotRows, 'instance_id');
    const instancesByOrganisation = groupBy(instances.all(pageIds) as Row[], 'organisation_id');

    const job = (row: Row) => {
      const jobFailures = failuresByJob.get(row.id) ?? [];
      return {
        id: globalId('Job', row.id),
        kind: row.kind,
        status: row.status,
        objects: JSON.parse(row.objects),
        queuedAt: iso(row.queued_at),
        startedAt: iso(row.started_at),
        finishedAt: iso(row.finished_at),
        error: row.error,
        apiCalls: row.api_calls,
        progress: {
          processed: row.processed,
          failed: row.failed,
          total: row.total,
          percent:
            row.total === null ? null : row.total === 0 ? 100 : Math.min(100, Math.round(((row.processed + row.failed) / row.total) * 1000) / 10),
          changed: row.changed,
        },
        instance: { id: globalId('Instance', row.instance_id) },
        failures: {
          nodes: jobFailures
            .slice(0, FAILURES_SHOWN)
            .map((failure) => ({ object: failure.object, recordId: failure.record_id, statusCode: failure.status_code, message: failure.message })),
          pageInfo: { hasNextPage: jobFailures.length > FAILURES_SHOWN },
        },
      };
    };
    const snapshot = (row: Row) => {
      const objects = objectsBySnapshot.get(row.id) ?? [];
      return {
        id: globalId('Snapshot', row.id),
        createdAt: iso(row.created_at),
        incremental: row.base_snapshot_id !== null,
        recordCount: objects.reduce((sum, object) => sum + object.record_count, 0),
        objects: objects.map((object) => ({ name: object.name, recordCount: object.record_count, deletedCount: object.deleted_count })),
      };
    };
    const instance = (row: Row) => {
      const instanceTokens = tokensByInstance.get(row.id) ?? [];
      return {
        id: globalId('Instance', row.id),
        name: row.name,
        environment: row.environment,
        status: row.status,
        username: row.username,
        salesforceOrgId: row.salesforce_org_id,
        lastAuthenticatedAt: iso(row.last_authenticated_at),
        tokenLimit: row.token_limit,
        tokensRemaining: instanceTokens.filter((token) => token.status === 'AVAILABLE').length,
        tokensUsed: instanceTokens.filter((token) => token.status === 'USED').length,
        apiUsage: row.api_usage_used === null || row.api_usage_max === null ? null : { used: row.api_usage_used, max: row.api_usage_max },
        jobs: { nodes: (jobsByInstance.get(row.id) ?? []).map(job) },
        snapshots: { nodes: (snapshotsByInstance.get(row.id) ?? []).map(snapshot) },
      };
    };
    const last = page.at(-1);
    return {
      data: {
        organisations: {
          nodes: page.map((organisation) => ({
            id: globalId('Organisation', organisation.id),
            name: organisation.name,
            instances: (instancesByOrganisation.get(organisation.id) ?? []).map(instance),
          })),
          pageInfo: { hasNextPage: organisationRows.length > ORGANISATIONS_SHOWN, endCursor: last ? cursor(last) : null },
        },
      },
    };
  }

  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const key = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
      if (createHash('sha256').update(key).digest('hex') !== operatorHash.get()) {
        response.writeHead(401).end();
        return;
      }
      const body = JSON.stringify(dashboard());
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
  });
  server.on('close', () => sqlite.close());
  return server;
}
