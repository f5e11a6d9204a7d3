import type { DatabaseHandle } from '../client.ts';
import type { Store } from '../store.ts';
import { sqliteApiKeyStore } from './api-key-store.ts';
import { sqliteAuditStore } from './audit-store.ts';
import { sqliteDataKeyStore } from './data-key-store.ts';
import { sqliteInstanceStore } from './instance-store.ts';
import { sqliteJobClaims } from './job-claims.ts';
import { sqliteJobReports } from './job-reports.ts';
import { sqliteOrganisationStore } from './organisation-store.ts';
import { sqliteBackupPolicyStore, sqliteRetentionPolicyStore } from './policy-store.ts';
import { sqliteDataAlertStore } from './data-alert-store.ts';
import { sqliteSnapshotPruning } from './snapshot-pruning.ts';
import { sqliteFileReferences } from './file-references.ts';
import { sqliteRemovalStore } from './removal-store.ts';
import { sqliteRestoreIntentStore } from './restore-intent-store.ts';
import { sqliteRunClaims } from './run-claims.ts';
import { sqliteSealedSecrets } from './sealed-secrets.ts';
import { sqliteSettingsStore } from './settings-store.ts';
import { sqliteSnapshotChangeStore } from './snapshot-changes.ts';
import { sqliteSnapshotStore } from './snapshot-store.ts';
import { sqliteTokenLedger } from './token-ledger.ts';
import { sqliteJobReads } from './job-reads.ts';
import { sqliteSnapshotListing } from './snapshot-listing.ts';
import { sqliteOAuthStates } from './oauth-states.ts';
import { sqliteDatabaseHealth } from './database-health.ts';

export function sqliteStore(database: Pick<DatabaseHandle, 'db' | 'uncounted' | 'sqlite'>): Store {
  return {
    // The queue's heartbeat would otherwise land inside whatever request is being counted.
    claims: sqliteJobClaims(database.uncounted),
    reports: sqliteJobReports(database.db),
    ledger: sqliteTokenLedger(database.db),
    runClaims: sqliteRunClaims(database.db),
    organisations: sqliteOrganisationStore(database.db),
    instances: sqliteInstanceStore(database.db),
    restoreIntents: sqliteRestoreIntentStore(database.db),
    policies: sqliteBackupPolicyStore(database.db),
    retentionPolicies: sqliteRetentionPolicyStore(database.db),
    dataAlerts: sqliteDataAlertStore(database.db),
    pruning: sqliteSnapshotPruning(database),
    fileReferences: sqliteFileReferences(database.sqlite),
    removals: sqliteRemovalStore(database.db),
    apiKeys: sqliteApiKeyStore(database.db),
    settings: sqliteSettingsStore(database.db),
    audit: sqliteAuditStore(database.db),
    sealedSecrets: sqliteSealedSecrets(database.db),
    jobs: sqliteJobReads(database.db),
    snapshotListing: sqliteSnapshotListing(database.db),
    oauthStates: sqliteOAuthStates(database.db),
    health: sqliteDatabaseHealth(database.sqlite),
    dataKeys: sqliteDataKeyStore(database.db),
    snapshots: sqliteSnapshotStore(database),
    snapshotChanges: sqliteSnapshotChangeStore(database),
  };
}
