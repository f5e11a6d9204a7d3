import type { DatabaseHandle } from '../client.ts';
import type { Store } from '../store.ts';
import { sqliteDataKeyStore } from './data-key-store.ts';
import { sqliteInstanceStore } from './instance-store.ts';
import { sqliteJobClaims } from './job-claims.ts';
import { sqliteJobReports } from './job-reports.ts';
import { sqliteOrganisationStore } from './organisation-store.ts';
import { sqliteRestoreIntentStore } from './restore-intent-store.ts';
import { sqliteRunClaims } from './run-claims.ts';
import { sqliteSnapshotChangeStore } from './snapshot-changes.ts';
import { sqliteSnapshotStore } from './snapshot-store.ts';
import { sqliteTokenLedger } from './token-ledger.ts';

export function sqliteStore(database: Pick<DatabaseHandle, 'db' | 'sqlite' | 'uncounted'>): Store {
  return {
    // The queue's heartbeat would otherwise land inside whatever request is being counted.
    claims: sqliteJobClaims(database.uncounted),
    reports: sqliteJobReports(database.db),
    ledger: sqliteTokenLedger(database.db),
    runClaims: sqliteRunClaims(database.db),
    organisations: sqliteOrganisationStore(database.db),
    instances: sqliteInstanceStore(database.db),
    restoreIntents: sqliteRestoreIntentStore(database.db),
    dataKeys: sqliteDataKeyStore(database.db),
    snapshots: sqliteSnapshotStore(database),
    snapshotChanges: sqliteSnapshotChangeStore(database),
  };
}
