import type { Store } from '../store.ts';
import type { PgDb } from './client.ts';
import { postgresInstanceStore } from './instance-store.ts';
import { postgresJobClaims } from './job-claims.ts';
import { postgresJobReports } from './job-reports.ts';
import { postgresOrganisationStore } from './organisation-store.ts';
import { postgresRestoreIntentStore } from './restore-intent-store.ts';
import { postgresRunClaims } from './run-claims.ts';
import { postgresTokenLedger } from './token-ledger.ts';
import { postgresJobReads } from './job-reads.ts';
import { postgresSnapshotListing } from './snapshot-listing.ts';
import { postgresOAuthStates } from './oauth-states.ts';
import { postgresDatabaseHealth } from './database-health.ts';

export function postgresStore(db: PgDb): Store {
  return {
    claims: postgresJobClaims(db),
    reports: postgresJobReports(db),
    ledger: postgresTokenLedger(db),
    runClaims: postgresRunClaims(db),
    organisations: postgresOrganisationStore(db),
    instances: postgresInstanceStore(db),
    restoreIntents: postgresRestoreIntentStore(db),
    jobs: postgresJobReads(db),
    snapshotListing: postgresSnapshotListing(db),
    oauthStates: postgresOAuthStates(db),
    health: postgresDatabaseHealth(db),
  };
}
