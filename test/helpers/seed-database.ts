import { randomBytes, randomUUID } from 'node:crypto';
import { count } from 'drizzle-orm';
import { jobFailures, jobs, organisations, snapshotObjects, snapshots } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { createEventBus } from '../../src/events.ts';
import { createAnnouncements } from '../../src/services/announcements.ts';
import { createInstanceService } from '../../src/services/instances.ts';
import { createOrganisationService } from '../../src/services/organisations.ts';
import { createTokenService } from '../../src/services/tokens.ts';
import { sqliteTokenLedger } from '../../db/sqlite/token-ledger.ts';
import { sqliteOrganisationStore } from '../../db/sqlite/organisation-store.ts';
import { sqliteInstanceStore } from '../../db/sqlite/instance-store.ts';
import type { Viewer } from '../../src/services/viewer.ts';

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
export async function seedOrganisations(db: Db, added: number, overrides: Partial<SeedOptions> = {}) {
  const options: SeedOptions = { instancesPerOrganisation: 2, jobsPerInstance: 3, snapshotsPerInstance: 2, failuresPerRestore: 2, ...overrides };
  // The services on the same database; their events reach no one (as the rows of finished jobs do not).
  const announce = createAnnouncements(createEventBus());
  const organisationService = createOrganisationService(sqliteOrganisationStore(db), announce);
  const instanceService = createInstanceService(sqliteInstanceStore(db), announce, SEED_CONFIG);
  // Seeded refresh tokens are never sent to Salesforce: any key may encrypt them.
  const tokenService = createTokenService(sqliteTokenLedger(db), randomBytes(32));
  const now = Date.now();
  // Names are unique: a second call goes on numbering after the organisations already there.
  const first = db.select({ n: count() }).from(organisations).get()!.n;
  for (let o = first; o < first + added; o++) {
    const organisationId = (await organisationService.create(`Organisation ${o}`)).id;
    for (let i = 0; i < options.instancesPerOrganisation; i++) {
      const instance = await instanceService.add(OPERATOR, organisationId, i % 2 === 0 ? 'PRODUCTION' : 'SANDBOX', `Instance ${o}.${i}`);
      const instanceId = instance.id;
      await tokenService.issueGrant(instanceId, { ...AUTHORIZED, salesforceOrgId: `00D${o}.${i}` });
      const jobIds = db.transaction((tx) => {
        const jobIds: string[] = [];
        for (let j = 0; j < options.jobsPerInstance; j++) {
          const jobId = randomUUID();
          jobIds.push(jobId);
          const restore = j % 3 === 2;
          const failed = restore ? options.failuresPerRestore : 0;
          tx.insert(jobs)
            .values({
              id: jobId,
              organisationId,
              instanceId,
              kind: restore ? 'RESTORE' : 'BACKUP',
              status: 'SUCCEEDED',
              objects: restore ? ['Account'] : [],
              queuedAt: new Date(now + j),
              startedAt: new Date(now + j + 1),
              finishedAt: new Date(now + j + 2),
              processed: 10 - failed,
              failed,
              total: 10,
              apiCalls: 4,
            })
            .run();
          for (let f = 0; f < failed; f++) {
            tx.insert(jobFailures)
              .values({ jobId, object: 'Account', recordId: `001${String(f).padStart(15, '0')}`, statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Rejected by a validation rule' })
              .run();
          }
        }
        let fullSnapshotId: string | null = null;
        for (let s = 0; s < options.snapshotsPerInstance; s++) {
          const snapshotId = randomUUID();
          tx.insert(snapshots)
            .values({
              id: snapshotId,
              instanceId,
              jobId: jobIds[s] ?? randomUUID(),
              baseSnapshotId: fullSnapshotId,
              sequence: s + 1,
              completedAt: new Date(now + s),
              createdAt: new Date(now + s),
            })
            .run();
          fullSnapshotId ??= snapshotId;
          for (const [position, name] of SNAPSHOT_OBJECTS.entries()) {
            tx.insert(snapshotObjects).values({ snapshotId, name, recordCount: 100 * (position + 1), deletedCount: position, highWaterMark: null }).run();
          }
        }
        return jobIds;
      });
      for (const jobId of jobIds.slice(0, instance.tokenLimit)) await tokenService.reserve(instanceId, jobId);
    }
  }
}
