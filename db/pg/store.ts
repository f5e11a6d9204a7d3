import type { Store } from '../store.ts';
import type { PgDb } from './client.ts';
import { postgresApiKeyStore } from './api-key-store.ts';
import { postgresAuditStore } from './audit-store.ts';
import { postgresDataKeyStore } from './data-key-store.ts';
import { postgresInstanceStore } from './instance-store.ts';
import { postgresJobClaims } from './job-claims.ts';
import { postgresJobReports } from './job-reports.ts';
import { postgresOrganisationStore } from './organisation-store.ts';
import { postgresBackupPolicyStore, postgresRetentionPolicyStore } from './policy-store.ts';
import { postgresDataAlertStore } from './data-alert-store.ts';
import { postgresSnapshotPruning } from './snapshot-pruning.ts';
import { postgresFileReferences } from './file-references.ts';
import { postgresRemovalStore } from './removal-store.ts';
import { postgresRestoreIntentStore } from './restore-intent-store.ts';
import { postgresRunClaims } from './run-claims.ts';
import { postgresSealedSecrets } from './sealed-secrets.ts';
import { postgresSettingsStore } from './settings-store.ts';
import { postgresSnapshotChangeStore } from './snapshot-changes.ts';
import { postgresSnapshotStore } from './snapshot-store.ts';
import { postgresTokenLedger } from './token-ledger.ts';
import { postgresJobReads } from './job-reads.ts';
import { postgresSnapshotListing } from './snapshot-listing.ts';
import { postgresOAuthStates } from './oauth-states.ts';
import { postgresDatabaseHealth } from './database-health.ts';

/** `uncounted`: the same pool, for the job queue's heartbeat, which would otherwise land inside whatever request is being counted. */
export function postgresStore(db: PgDb, uncounted: PgDb = db): Store {
  return {
    claims: postgresJobClaims(uncounted),
    reports: postgresJobReports(db),
    ledger: postgresTokenLedger(db),
    runClaims: postgresRunClaims(db),
    organisations: postgresOrganisationStore(db),
    instances: postgresInstanceStore(db),
    restoreIntents: postgresRestoreIntentStore(db),
    policies: postgresBackupPolicyStore(db),
    retentionPolicies: postgresRetentionPolicyStore(db),
    dataAlerts: postgresDataAlertStore(db),
    pruning: postgresSnapshotPruning(db),
    fileReferences: postgresFileReferences(db),
    removals: postgresRemovalStore(db),
    apiKeys: postgresApiKeyStore(db),
    settings: postgresSettingsStore(db),
    audit: postgresAuditStore(db),
    sealedSecrets: postgresSealedSecrets(db),
    jobs: postgresJobReads(db),
    snapshotListing: postgresSnapshotListing(db),
    oauthStates: postgresOAuthStates(db),
    health: postgresDatabaseHealth(db),
    dataKeys: postgresDataKeyStore(db),
    snapshots: postgresSnapshotStore(db),
    snapshotChanges: postgresSnapshotChangeStore(db),
  };
}
