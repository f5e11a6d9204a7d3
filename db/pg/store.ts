import type { Store } from '../store.ts';
import type { PgDb } from './client.ts';
import { postgresDataKeyStore } from './data-key-store.ts';
import { postgresInstanceStore } from './instance-store.ts';
import { postgresJobClaims } from './job-claims.ts';
import { postgresJobReports } from './job-reports.ts';
import { postgresOrganisationStore } from './organisation-store.ts';
import { postgresRestoreIntentStore } from './restore-intent-store.ts';
import { postgresRunClaims } from './run-claims.ts';
import { postgresSnapshotChangeStore } from './snapshot-changes.ts';
import { postgresSnapshotStore } from './snapshot-store.ts';
import { postgresTokenLedger } from './token-ledger.ts';

export function postgresStore(db: PgDb): Store {
  return {
    claims: postgresJobClaims(db),
    reports: postgresJobReports(db),
    ledger: postgresTokenLedger(db),
    runClaims: postgresRunClaims(db),
    organisations: postgresOrganisationStore(db),
    instances: postgresInstanceStore(db),
    restoreIntents: postgresRestoreIntentStore(db),
    dataKeys: postgresDataKeyStore(db),
    snapshots: postgresSnapshotStore(db),
    snapshotChanges: postgresSnapshotChangeStore(db),
  };
}
