import type { DataKeyStore } from './data-key-store.ts';
import type { JobClaims } from './job-claims.ts';
import type { InstanceStore } from './instance-store.ts';
import type { JobReports } from './job-reports.ts';
import type { OrganisationStore } from './organisation-store.ts';
import type { RestoreIntentStore } from './restore-intent-store.ts';
import type { RunClaims } from './run-claims.ts';
import type { SnapshotChangeStore } from './snapshot-changes.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import type { TokenLedger } from './token-ledger.ts';

/**
 * The data access each database engine implements its own way (db/sqlite/store.ts,
 * db/pg/store.ts): where the dialects differ in locking, claims, JSON, unique names and partitions. The services reach
 * everything else through Drizzle on SQLite until it moves here too (README, "Running at scale").
 */
export interface Store {
  claims: JobClaims;
  reports: JobReports;
  ledger: TokenLedger;
  runClaims: RunClaims;
  organisations: OrganisationStore;
  instances: InstanceStore;
  restoreIntents: RestoreIntentStore;
  dataKeys: DataKeyStore;
  snapshots: SnapshotStore;
  snapshotChanges: SnapshotChangeStore;
}
