import { sql } from 'drizzle-orm';
import type { Executor } from './client.ts';

const lockKey = (organisationId: string) => sql`hashtextextended(${`record_versions ${organisationId}`}, 0)`;

/**
 * An organisation's record versions are shared by its snapshots. A backup finds a version stored
 * already and names it in its snapshot later in the same transaction, which a prune running at
 * once cannot see: it would delete the version as named by nobody. Backups write under this lock
 * shared (they never delete), a prune deletes under it alone; both hold it to their commit.
 */
export const storingVersions = (tx: Executor, organisationId: string) => tx.execute(sql`select pg_advisory_xact_lock_shared(${lockKey(organisationId)})`);

export const deletingVersions = (tx: Executor, organisationId: string) => tx.execute(sql`select pg_advisory_xact_lock(${lockKey(organisationId)})`);
