/**
 * A worker process for the lease test: it claims jobs from the PostgreSQL schema `SCHEMA` and holds
 * them as a worker running long backups would, renewing its lease every quarter of `LEASE_MS`.
 * It prints "claimed <job id>" for each job it takes, and never ends one.
 */
import { openPostgres } from '../../db/pg/client.ts';
import { postgresStore } from '../../db/pg/store.ts';

const { TEST_DATABASE_URL, SCHEMA, OWNER, LEASE_MS } = process.env;
const leaseMs = Number(LEASE_MS);
const { db } = await openPostgres(TEST_DATABASE_URL!, { schema: SCHEMA });
const { claims } = postgresStore(db);
const held: string[] = [];
const lease = () => ({ owner: OWNER!, expiresAt: new Date(Date.now() + leaseMs) });

async function beat() {
  await claims.renewLeases(lease(), held);
  const job = await claims.claimNext(lease());
  if (job) {
    held.push(job.id);
    process.stdout.write(`claimed ${job.id}\n`);
  }
}

for (;;) {
  await beat();
  await new Promise((resolve) => setTimeout(resolve, leaseMs / 4));
}
