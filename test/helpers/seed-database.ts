import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../../db/store.ts';
import { createEventBus } from '../../src/events.ts';
import { createAnnouncements } from '../../src/services/announcements.ts';
import { createInstanceService } from '../../src/services/instances.ts';
import { createOrganisationService } from '../../src/services/organisations.ts';
import { createTokenService } from '../../src/services/tokens.ts';
import type { Viewer } from '../../src/services/viewer.ts';
import type { EngineHandle } from '../../db/open.ts';
import { rowsOf, type DatabaseRows } from './database-rows.ts';

const OPERATOR: Viewer = { kind: 'operator' };
const SEED_CONFIG = { tokenLimit: 5, salesforce: { loginUrls: { PRODUCTION: 'https://login.salesforce.com', SANDBOX: 'https://test.salesforce.com' } } };
const AUTHORIZED = { accessToken: 'seeded', refreshToken: 'seeded', instanceUrl: 'https://seeded.my.salesforce.com', salesforceUserId: '005000000000001AAA', username: 'seed@example.com' };

export interface SeedOptions {
  instancesPerOrganisation: number;
  jobsPerInstance: number;
  /** Complete snapshots per instance, each listing SNAPSHOT_OBJECTS. */
  snapshotsPerInstance: number;
  /** Every third job is a restore, with this many records Salesforce refused. */
  failuresPerRestore: number;
}

const SNAPSHOT_OBJECTS = ['Account', 'Case', 'Contact', 'Opportunity'];

/**
 * Many organisations for the benchmark's read path, quickly: organisations, instances, grants and
 * tokens through the services (a grant as if Salesforce had approved it, a token used per job),
 * and the rows finished jobs leave (restores with failures, snapshots) written as they would stand.
 * Tests seed through the real flows instead (seed-organisations.ts).
 */
/** Rows into `table`, in one statement. */
async function insertRows(rows: DatabaseRows, table: string, columns: string[], values: unknown[][]) {
  if (values.length === 0) return;
  const row = `(${columns.map(() => '?').join(', ')})`;
  await rows.run(`insert into ${table} (${columns.join(', ')}) values ${values.map(() => row).join(', ')}`, ...values.flat());
}

/** `app` is a test server's App, or a database with its store opened beside no service. */
export async function seedOrganisations(app: { store: Store; database: EngineHandle }, added: number, overrides: Partial<SeedOptions> = {}) {
  const options: SeedOptions = { instancesPerOrganisation: 2, jobsPerInstance: 3, snapshotsPerInstance: 2, failuresPerRestore: 2, ...overrides };
  const { store } = app;
  const rows = rowsOf(app);
  // The services on the same database; their events reach no one (as the rows of finished jobs do not).
  const announce = createAnnouncements(createEventBus());
  const organisationService = createOrganisationService(store.organisations, announce);
  const instanceService = createInstanceService(store.instances, announce, SEED_CONFIG);
  // Seeded refresh tokens are never sent to Salesforce: any key may encrypt them.
  const tokenService = createTokenService(store.ledger, randomBytes(32));
  const now = Date.now();
  // Names are unique: a second call goes on numbering after the organisations already there.
  const first = await rows.count('select count(*) from organisations');
  for (let o = first; o < first + added; o++) {
    const organisationId = (await organisationService.create(`Organisation ${o}`)).id;
    for (let i = 0; i < options.instancesPerOrganisation; i++) {
      const instance = await instanceService.add(OPERATOR, organisationId, i % 2 === 0 ? 'PRODUCTION' : 'SANDBOX', `Instance ${o}.${i}`);
      const instanceId = instance.id;
      await tokenService.issueGrant(instanceId, { ...AUTHORIZED, salesforceOrgId: `00D${o}.${i}` });
      const jobIds = Array.from({ length: options.jobsPerInstance }, () => randomUUID());
      const failedOf = (j: number) => (j % 3 === 2 ? options.failuresPerRestore : 0);
      await insertRows(
        rows,
        'jobs',
        ['id', 'organisation_id', 'instance_id', 'kind', 'status', 'objects', 'queued_at', 'started_at', 'finished_at', 'processed', 'failed', 'total', 'api_calls'],
        jobIds.map((jobId, j) => {
          const restore = j % 3 === 2;
          const at = (offset: number) => new Date(now + j + offset);
          return [jobId, organisationId, instanceId, restore ? 'RESTORE' : 'BACKUP', 'SUCCEEDED', JSON.stringify(restore ? ['Account'] : []), at(0), at(1), at(2), 10 - failedOf(j), failedOf(j), 10, 4];
        }),
      );
      await insertRows(
        rows,
        'job_failures',
        ['job_id', 'object', 'record_id', 'status_code', 'message'],
        jobIds.flatMap((jobId, j) =>
          Array.from({ length: failedOf(j) }, (_, f) => [jobId, 'Account', `001${String(f).padStart(15, '0')}`, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Rejected by a validation rule']),
        ),
      );
      const snapshotIds = Array.from({ length: options.snapshotsPerInstance }, () => randomUUID());
      // PostgreSQL keeps the instance's organisation on each snapshot too (its records' key).
      const organisationColumn = app.database.engine === 'postgres' ? { names: ['organisation_id'], values: [organisationId] } : { names: [], values: [] };
      await insertRows(
        rows,
        'snapshots',
        ['id', 'instance_id', 'job_id', 'base_snapshot_id', 'sequence', 'completed_at', 'created_at', ...organisationColumn.names],
        snapshotIds.map((snapshotId, s) => [
          snapshotId,
          instanceId,
          jobIds[s] ?? randomUUID(),
          s === 0 ? null : snapshotIds[0],
          s + 1,
          new Date(now + s),
          new Date(now + s),
          ...organisationColumn.values,
        ]),
      );
      await insertRows(
        rows,
        'snapshot_objects',
        ['snapshot_id', 'name', 'record_count', 'deleted_count', 'high_water_mark'],
        snapshotIds.flatMap((snapshotId) => SNAPSHOT_OBJECTS.map((name, position) => [snapshotId, name, 100 * (position + 1), position, null])),
      );
      for (const jobId of jobIds.slice(0, instance.tokenLimit)) await tokenService.reserve(instanceId, jobId);
    }
  }
}
