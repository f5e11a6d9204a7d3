import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { grants, instances, jobs, organisations, tokens } from '../../db/schema.ts';

/**
 * Writes organisations with connected instances, tokens and jobs straight into the database:
 * quick fixtures for read-path tests and the benchmark, which exercise only the API's reads.
 */
export function seedOrganisations(db: Db, count: number, options = { instancesPerOrganisation: 2, jobsPerInstance: 3 }) {
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
          tx.insert(jobs)
            .values({ id: jobId, organisationId, instanceId, kind: 'BACKUP', status: 'SUCCEEDED', queuedAt: new Date(now + j), processed: 10, total: 10 })
            .run();
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
