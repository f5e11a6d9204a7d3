import type { ApiKeyStore } from './api-key-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { DataKeyStore } from './data-key-store.ts';
import type { JobClaims } from './job-claims.ts';
import type { InstanceStore } from './instance-store.ts';
import type { JobReports } from './job-reports.ts';
import type { OrganisationStore } from './organisation-store.ts';
import type { BackupPolicyStore, RetentionPolicyStore } from './policy-store.ts';
import type { DataAlertStore } from './data-alert-store.ts';
import type { SnapshotPruning } from './snapshot-pruning.ts';
import type { FileReferences } from './file-references.ts';
import type { RemovalStore } from './removal-store.ts';
import type { RestoreIntentStore } from './restore-intent-store.ts';
import type { RunClaims } from './run-claims.ts';
import type { SealedSecrets } from './sealed-secrets.ts';
import type { SettingsStore } from './settings-store.ts';
import type { SnapshotChangeStore } from './snapshot-changes.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import type { TokenLedger } from './token-ledger.ts';
import type { JobReads } from './job-reads.ts';
import type { SnapshotListing } from './snapshot-listing.ts';
import type { OAuthStates } from './oauth-states.ts';
import type { DatabaseHealth } from './database-health.ts';

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
  policies: BackupPolicyStore;
  retentionPolicies: RetentionPolicyStore;
  dataAlerts: DataAlertStore;
  pruning: SnapshotPruning;
  fileReferences: FileReferences;
  removals: RemovalStore;
  apiKeys: ApiKeyStore;
  settings: SettingsStore;
  audit: AuditStore;
  sealedSecrets: SealedSecrets;
  jobs: JobReads;
  snapshotListing: SnapshotListing;
  oauthStates: OAuthStates;
  health: DatabaseHealth;
  dataKeys: DataKeyStore;
  snapshots: SnapshotStore;
  snapshotChanges: SnapshotChangeStore;
}
