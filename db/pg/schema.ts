import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, doublePrecision, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import {
  AUDIT_ACTOR_KINDS,
  AUDIT_OUTCOMES,
  BACKUP_FREQUENCIES,
  ENVIRONMENTS,
  INSTANCE_STATUSES,
  JOB_KINDS,
  JOB_STATUSES,
  ROLES,
  SCHEDULED_RUN_OUTCOMES,
  SNAPSHOT_OBJECT_STATES,
  TOKEN_STATUSES,
  type DataAlertObjectValue,
  type JobParameters,
  type RestoreSummaryValue,
} from '../schema.ts';

// The PostgreSQL tables of db/schema.ts: the same names, keys and indexes; the constants and JSON value types are db/schema.ts's.

/** A point in time, to the millisecond as in SQLite. */
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

const createdAt = () => instant('created_at').notNull().defaultNow();

/**
 * A record id, compared byte by byte whatever the database's collation: records page by the last
 * id read in SQLite's order, and the keys' indexes are in that order, so a page is a range of an index.
 */
const recordId = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const organisations = pgTable(
  'organisations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('organisations_name').on(sql`lower(${t.name})`)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    organisationId: text('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    secretHash: text('secret_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: instant('last_used_at'),
    expiresAt: instant('expires_at'),
    revokedAt: instant('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_secret_hash').on(t.secretHash), index('api_keys_organisation').on(t.organisationId)],
);

export const organisationKeys = pgTable('organisation_keys', {
  organisationId: text('organisation_id')
    .primaryKey()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  wrappedKey: text('wrapped_key').notNull(),
  createdAt: createdAt(),
});

export const instances = pgTable(
  'instances',
  {
    id: text('id').primaryKey(),
    organisationId: text('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    environment: text('environment', { enum: ENVIRONMENTS }).notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: INSTANCE_STATUSES }).notNull().default('NOT_CONNECTED'),
    loginUrl: text('login_url').notNull(),
    instanceUrl: text('instance_url'),
    salesforceOrgId: text('salesforce_org_id'),
    salesforceUserId: text('salesforce_user_id'),
    username: text('username'),
    tokenLimit: integer('token_limit').notNull(),
    currentGrantId: text('current_grant_id'),
    lastAuthenticatedAt: instant('last_authenticated_at'),
    apiUsageUsed: integer('api_usage_used'),
    apiUsageMax: integer('api_usage_max'),
    createdAt: createdAt(),
  },
  (t) => [index('instances_organisation').on(t.organisationId), uniqueIndex('instances_organisation_name').on(t.organisationId, sql`lower(${t.name})`)],
);

export const grants = pgTable(
  'grants',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    refreshTokenCiphertext: text('refresh_token_ciphertext').notNull(),
    issuedAt: instant('issued_at').notNull(),
    revokedAt: instant('revoked_at'),
    salesforceUserId: text('salesforce_user_id'),
    loginUrl: text('login_url'),
    checkedAt: instant('checked_at'),
    tokensLowAt: instant('tokens_low_at'),
  },
  (t) => [index('grants_instance').on(t.instanceId), index('grants_salesforce_user').on(t.salesforceUserId)],
);

export const tokens = pgTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    grantId: text('grant_id')
      .notNull()
      .references(() => grants.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    status: text('status', { enum: TOKEN_STATUSES }).notNull().default('AVAILABLE'),
    issuedAt: instant('issued_at').notNull(),
    usedAt: instant('used_at'),
    jobId: text('job_id'),
  },
  (t) => [index('tokens_instance').on(t.instanceId, t.status), index('tokens_grant').on(t.grantId)],
);

export const oauthStates = pgTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  instanceId: text('instance_id')
    .notNull()
    .references(() => instances.id, { onDelete: 'cascade' }),
  organisationId: text('organisation_id').notNull(),
  codeVerifierCiphertext: text('code_verifier_ciphertext').notNull(),
  expiresAt: instant('expires_at').notNull(),
  consumedAt: instant('consumed_at'),
  pendingGrantCiphertext: text('pending_grant_ciphertext'),
  codeHash: text('code_hash'),
  createdAt: createdAt(),
});

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    organisationId: text('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: JOB_KINDS }).notNull(),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('QUEUED'),
    objects: jsonb('objects').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    parameters: jsonb('parameters').$type<JobParameters>().notNull().default(sql`'{}'::jsonb`),
    grantId: text('grant_id'),
    tokenId: text('token_id'),
    accessTokenCiphertext: text('access_token_ciphertext'),
    processed: integer('processed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    total: integer('total'),
    changed: integer('changed'),
    apiCalls: integer('api_calls').notNull().default(0),
    error: text('error'),
    snapshotId: text('snapshot_id'),
    warnings: jsonb('warnings').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    restoreSummary: jsonb('restore_summary').$type<RestoreSummaryValue>(),
    queuedAt: instant('queued_at').notNull(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: instant('lease_expires_at'),
    cancelRequestedAt: instant('cancel_requested_at'),
  },
  (t) => [
    index('jobs_instance_queued').on(t.instanceId, t.queuedAt),
    index('jobs_organisation_queued').on(t.organisationId, t.queuedAt),
    index('jobs_status').on(t.status),
    // Never two jobs running on one instance, whichever workers claim them (see pg/job-claims.ts).
    uniqueIndex('jobs_one_running_per_instance').on(t.instanceId).where(sql`${t.status} = 'RUNNING'`),
  ],
);

export type OrganisationRow = typeof organisations.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type InstanceRow = typeof instances.$inferSelect;
export type GrantRow = typeof grants.$inferSelect;
export type OAuthStateRow = typeof oauthStates.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;

export const snapshots = pgTable(
  'snapshots',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** The instance's, kept here for the key snapshot_records refers by (see there). */
    organisationId: text('organisation_id').notNull(),
    jobId: text('job_id').notNull(),
    baseSnapshotId: text('base_snapshot_id'),
    sequence: integer('sequence').notNull(),
    completedAt: instant('completed_at'),
    createdAt: createdAt(),
  },
  (t) => [index('snapshots_instance').on(t.instanceId, t.sequence), unique('snapshots_organisation_id').on(t.organisationId, t.id)],
);

export const snapshotObjects = pgTable(
  'snapshot_objects',
  {
    snapshotId: text('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    recordCount: integer('record_count').notNull(),
    deletedCount: integer('deleted_count').notNull(),
    highWaterMark: text('high_water_mark'),
    state: text('state', { enum: SNAPSHOT_OBJECT_STATES }).notNull().default('COMPLETE'),
    reason: text('reason'),
    blobCount: integer('blob_count').notNull().default(0),
    blobBytes: bigint('blob_bytes', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.name] })],
);

/*
 * The two tables that grow with the records backed up lead with their organisation and are
 * partitioned by it (migration 0001, written by hand; see partitions.ts): deleting an organisation
 * or pruning its snapshots stays within its own partition, and dropping a partition is cheap.
 */
export const recordVersions = pgTable(
  'record_versions',
  {
    organisationId: text('organisation_id').notNull(),
    recordId: recordId('record_id').notNull(),
    hash: text('hash').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.recordId, t.hash] })],
);

export const snapshotRecords = pgTable(
  'snapshot_records',
  {
    organisationId: text('organisation_id').notNull(),
    snapshotId: text('snapshot_id').notNull(),
    object: text('object').notNull(),
    recordId: recordId('record_id').notNull(),
    versionHash: text('version_hash').notNull(),
    deleted: boolean('deleted').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organisationId, t.snapshotId, t.object, t.recordId] }),
    // By the organisation too: a snapshot's deletion then cascades within its own partition, where
    // by snapshot id alone it would scan every organisation's.
    foreignKey({ columns: [t.organisationId, t.snapshotId], foreignColumns: [snapshots.organisationId, snapshots.id], name: 'snapshot_records_snapshot_fk' }).onDelete('cascade'),
    index('snapshot_records_deleted').on(t.organisationId, t.snapshotId, t.object, t.recordId).where(sql`${t.deleted} = true`),
  ],
);

export const jobFailures = pgTable(
  'job_failures',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    object: text('object').notNull(),
    recordId: text('record_id'),
    statusCode: text('status_code').notNull(),
    message: text('message').notNull(),
  },
  (t) => [index('job_failures_job').on(t.jobId)],
);

export type SnapshotRow = typeof snapshots.$inferSelect;
export type SnapshotObjectRow = typeof snapshotObjects.$inferSelect;
export type JobFailureRow = typeof jobFailures.$inferSelect;

export const restoredRecords = pgTable(
  'restored_records',
  {
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    sourceId: text('source_id').notNull(),
    object: text('object').notNull(),
    newId: text('new_id').notNull(),
    jobId: text('job_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.sourceId] }), index('restored_records_new_id').on(t.instanceId, t.newId)],
);

export const restoreIntents = pgTable(
  'restore_intents',
  {
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    sourceId: text('source_id').notNull(),
    object: text('object').notNull(),
    jobId: text('job_id').notNull(),
    body: text('body').notNull(),
    sentAt: instant('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.sourceId] }), index('restore_intents_object').on(t.instanceId, t.object)],
);

export type RestoreIntentRow = typeof restoreIntents.$inferSelect;

export const backupPolicies = pgTable(
  'backup_policies',
  {
    instanceId: text('instance_id')
      .primaryKey()
      .references(() => instances.id, { onDelete: 'cascade' }),
    frequency: text('frequency', { enum: BACKUP_FREQUENCIES }).notNull(),
    cron: text('cron'),
    windowStartMinute: integer('window_start_minute'),
    windowMinutes: integer('window_minutes'),
    objects: jsonb('objects').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    enabled: boolean('enabled').notNull(),
    anchorAt: instant('anchor_at').notNull(),
    nextRunAt: instant('next_run_at'),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [index('backup_policies_next_run').on(t.nextRunAt)],
);

export const scheduledRuns = pgTable(
  'scheduled_runs',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    scheduledFor: instant('scheduled_for').notNull(),
    claimedAt: instant('claimed_at').notNull(),
    outcome: text('outcome', { enum: SCHEDULED_RUN_OUTCOMES }).notNull(),
    reason: text('reason'),
    jobId: text('job_id'),
  },
  (t) => [uniqueIndex('scheduled_runs_slot').on(t.instanceId, t.scheduledFor), index('scheduled_runs_instance_claimed').on(t.instanceId, t.claimedAt)],
);

export const retentionPolicies = pgTable('retention_policies', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  keepAllDays: integer('keep_all_days').notNull(),
  dailyWeeks: integer('daily_weeks').notNull(),
  weeklyMonths: integer('weekly_months').notNull(),
  keepLast: integer('keep_last').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export type BackupPolicyRow = typeof backupPolicies.$inferSelect;
export type ScheduledRunRow = typeof scheduledRuns.$inferSelect;
export type RetentionPolicyRow = typeof retentionPolicies.$inferSelect;

export const snapshotChangeSets = pgTable('snapshot_change_sets', {
  snapshotId: text('snapshot_id')
    .primaryKey()
    .references(() => snapshots.id, { onDelete: 'cascade' }),
  sinceSnapshotId: text('since_snapshot_id').notNull(),
  ownRows: boolean('own_rows').notNull(),
});

export const snapshotChanges = pgTable(
  'snapshot_changes',
  {
    snapshotId: text('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    object: text('object').notNull(),
    recordId: recordId('record_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.object, t.recordId] })],
);

export const dataAlertThresholds = pgTable('data_alert_thresholds', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  percent: doublePrecision('percent').notNull(),
  minRecords: integer('min_records').notNull(),
});

export const dataAlerts = pgTable(
  'data_alerts',
  {
    id: text('id').primaryKey(),
    organisationId: text('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    snapshotId: text('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    previousSnapshotId: text('previous_snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    objects: jsonb('objects').$type<DataAlertObjectValue[]>().notNull(),
    percent: doublePrecision('percent').notNull(),
    minRecords: integer('min_records').notNull(),
    createdAt: createdAt(),
    acknowledgedAt: instant('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [uniqueIndex('data_alerts_snapshot').on(t.snapshotId), index('data_alerts_instance').on(t.instanceId, t.createdAt)],
);

export type DataAlertThresholdRow = typeof dataAlertThresholds.$inferSelect;
export type DataAlertRow = typeof dataAlerts.$inferSelect;

export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: instant('at').notNull(),
    organisationId: text('organisation_id'),
    actorKind: text('actor_kind', { enum: AUDIT_ACTOR_KINDS }).notNull(),
    actorName: text('actor_name').notNull(),
    actorKeyId: text('actor_key_id'),
    actorRole: text('actor_role', { enum: ROLES }),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    detail: text('detail'),
    clientAddress: text('client_address'),
  },
  (t) => [index('audit_entries_organisation').on(t.organisationId, t.id), index('audit_entries_at').on(t.at)],
);

export type AuditEntryRow = typeof auditEntries.$inferSelect;
