import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { grants, instances, jobFailures, jobs, organisations, snapshotObjects, snapshots, tokens } from '../../db/schema.ts';

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
 * Writes organisations with connected instances, tokens, jobs (restores with failures) and
 * snapshots straight into the database: quick fixtures for read-path tests and the benchmark,
 * which exercise only the API's reads.
 */
export function seedOrganisations(db: Db, count: number, overrides: Partial<SeedOptions> = {}) {
  const options: SeedOptions = { instancesPerOrganisation: 2, jobsPerInstance: 3, snapshotsPerInstance: 2, failuresPerRestore: 2, ...overrides };
  const now = Date.now();
  db.transaction((tx) => {
    for (let o = 0; o < count; o++) {
      const organisationId = randomUUID();
      tx.insert(organisations).values({ id: organisationId, name: `Organisation ${o}`, createdAt: new Date(now + o) }).run();
      for (let i = 0; i < options.instancesPerOrganisation; i++) {
        const instanceId = randomUUID();
        const grantId = randomUUID();
        tx.insert(instances)
          .values({
            id: instanceId,
            organisationId,
            environment: i % 2 === 0 ? 'PRODUCTION' : 'SANDBOX',
            name: `Instance ${o}.${i}`,
            status: 'CONNECTED',
            loginUrl: 'https://login.salesforce.com',
            tokenLimit: 5,
            currentGrantId: grantId,
            createdAt: new Date(now + i),
          })
          .run();
        tx.insert(grants).values({ id: grantId, instanceId, refreshTokenCiphertext: 'v1.x.y.z', issuedAt: new Date(now) }).run();
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
        for (let t = 0; t < 5; t++) {
          const used = t < jobIds.length;
          tx.insert(tokens)
            .values({
              id: randomUUID(),
              instanceId,
              grantId,
              position: t,
              status: used ? 'USED' : 'AVAILABLE',
              issuedAt: new Date(now),
              usedAt: used ? new Date(now + t) : null,
              jobId: used ? jobIds[t] : null,
            })
            .run();
        }
      }
    }
  });
}

export const DASHBOARD_QUERY = `{
  organisations {
    id name
    jobs(first: 3) { edges { node { id status kind } } }
    instances {
      id name environment status tokenLimit tokensUsed tokensRemaining
      tokens { id status usedAt job { id status } }
      jobs(first: 1) { edges { node { id status progress { processed total percent } finishedAt } } pageInfo { hasNextPage } }
    }
  }
}`;
