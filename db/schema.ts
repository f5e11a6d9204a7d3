import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const ENVIRONMENTS = ['PRODUCTION', 'SANDBOX'] as const;
export const INSTANCE_STATUSES = ['NOT_CONNECTED', 'CONNECTED', 'REAUTH_REQUIRED'] as const;
export const TOKEN_STATUSES = ['AVAILABLE', 'USED', 'EXPIRED', 'REVOKED'] as const;
export const JOB_KINDS = ['BACKUP', 'RESTORE'] as const;
export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;
export const SNAPSHOT_OBJECT_STATES = ['COMPLETE', 'SKIPPED'] as const;

export type Environment = (typeof ENVIRONMENTS)[number];
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];
export type TokenStatus = (typeof TOKEN_STATUSES)[number];
export type JobKind = (typeof JOB_KINDS)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];
export type Role = (typeof ROLES)[number];
export type SnapshotObjectState = (typeof SNAPSHOT_OBJECT_STATES)[number];

/** What a backup was asked for, beyond its objects. */
export interface BackupParameters {
  kind: 'BACKUP';
  /** Copy everything even when an incremental backup would do. */
  full: boolean;
}

/** What a restore was asked for: the request as checked when it started. */
export interface RestoreParameters {
  kind: 'RESTORE';
  snapshotId: string;
  objects: string[];
  /** Salesforce ids to restore; empty means every record of the objects. */
  recordIds: string[];
  overwrite: boolean;
  includeChildren: boolean;
  /** Work out what would change, reading the org but writing nothing. */
  dryRun?: boolean;
}

export type JobParameters = BackupParameters | RestoreParameters;

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** Small key/value store for service-wide secrets' hashes and markers. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const organisations = sqliteTable(
  'organisations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  // Unique letter case aside, as services/names.ts compares them: the service answers NameTaken first, the index holds in a race.
  (t) => [uniqueIndex('organisations_name').on(sql`lower(${t.name})`)],
);

/** Organisation-scoped API keys; only a SHA-256 of the secret is kept. */
export const apiKeys = sqliteTable(
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
    /** Updated at most once a minute per key. */
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    /** After this the key is refused; null: it does not expire. */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    /** Set by revokeApiKey: the key is refused from then on, and kept to be listed. */
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_keys_secret_hash').on(t.secretHash), index('api_keys_organisation').on(t.organisationId)],
);

/**
 * Each organisation's data key, which encrypts its backed-up records and files (AES-256-GCM) and
 * keys their deduplication digests. Stored wrapped (encrypted) by SECRET_KEY.
 */
export const organisationKeys = sqliteTable('organisation_keys', {
  organisationId: text('organisation_id')
    .primaryKey()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  wrappedKey: text('wrapped_key').notNull(),
  createdAt: createdAt(),
});

export const instances = sqliteTable(
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
    /** The grant whose tokens count; earlier grants may still serve running jobs. */
    currentGrantId: text('current_grant_id'),
    lastAuthenticatedAt: integer('last_authenticated_at', { mode: 'timestamp_ms' }),
    apiUsageUsed: integer('api_usage_used'),
    apiUsageMax: integer('api_usage_max'),
    createdAt: createdAt(),
  },
  (t) => [index('instances_organisation').on(t.organisationId), uniqueIndex('instances_organisation_name').on(t.organisationId, sql`lower(${t.name})`)],
);

/** One OAuth approval at Salesforce: the refresh token, encrypted at rest. */
export const grants = sqliteTable(
  'grants',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    refreshTokenCiphertext: text('refresh_token_ciphertext').notNull(),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
    /** Set once the refresh token was revoked at Salesforce (or found dead there). */
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    /**
     * Who approved it, and where: Salesforce keeps five approvals per user and connected app, and
     * a sixth login evicts the oldest. Null on grants stored before this was recorded.
     */
    salesforceUserId: text('salesforce_user_id'),
    loginUrl: text('login_url'),
    /** When a grant health check last had Salesforce accept the refresh token. */
    checkedAt: integer('checked_at', { mode: 'timestamp_ms' }),
    /** Set once `tokensLow` was announced for this grant, so it is announced once. */
    tokensLowAt: integer('tokens_low_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('grants_instance').on(t.instanceId), index('grants_salesforce_user').on(t.salesforceUserId)],
);

export const tokens = sqliteTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    grantId: text('grant_id')
      .notNull()
      .references(() => grants.id, { onDelete: 'cascade' }),
    /** Position within its grant, so tokens are used in a stable order. */
    position: integer('position').notNull(),
    status: text('status', { enum: TOKEN_STATUSES }).notNull().default('AVAILABLE'),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    jobId: text('job_id'),
  },
  (t) => [index('tokens_instance').on(t.instanceId, t.status), index('tokens_grant').on(t.grantId)],
);

/** Pending OAuth authorisations, keyed by a hash of the state sent to Salesforce. */
export const oauthStates = sqliteTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  instanceId: text('instance_id')
    .notNull()
    .references(() => instances.id, { onDelete: 'cascade' }),
  organisationId: text('organisation_id').notNull(),
  codeVerifierCiphertext: text('code_verifier_ciphertext').notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  consumedAt: integer('consumed_at', { mode: 'timestamp_ms' }),
  /**
   * The grant a previewed login produced (encrypted), kept until the same browser confirms it
   * with the code it was given: the state alone connects nothing.
   */
  pendingGrantCiphertext: text('pending_grant_ciphertext'),
  codeHash: text('code_hash'),
  createdAt: createdAt(),
});

export const jobs = sqliteTable(
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
    /** Object API names asked for; empty means every eligible object. */
    objects: text('objects', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** The job's request, one shape per kind (`parameters.kind` repeats `kind` so the type narrows). */
    parameters: text('parameters', { mode: 'json' }).$type<JobParameters>().notNull().default(sql`'{}'`),
    /** The grant the job was started on, and the token it used. */
    grantId: text('grant_id'),
    tokenId: text('token_id'),
    /** The job's own Salesforce session, encrypted; cleared when the job ends. */
    accessTokenCiphertext: text('access_token_ciphertext'),
    processed: integer('processed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    total: integer('total'),
    /** A backup's records stored as new versions (new, changed, deleted or purged since the previous backup); null for restores. */
    changed: integer('changed'),
    apiCalls: integer('api_calls').notNull().default(0),
    error: text('error'),
    /** A backup's snapshot once complete, or the snapshot a restore reads (set when it is queued). */
    snapshotId: text('snapshot_id'),
    /** Notes for the user that are not failures, e.g. fields skipped in a restore. */
    warnings: text('warnings', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** A restore's (or dry run's) outcome per object: undeleted, created, updated, unchanged, with samples of changes. */
    restoreSummary: text('restore_summary', { mode: 'json' }).$type<RestoreSummaryValue>(),
    queuedAt: integer('queued_at', { mode: 'timestamp_ms' }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
    /** The worker process running the job, and until when it holds it unless it renews. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: integer('lease_expires_at', { mode: 'timestamp_ms' }),
    /** Set when someone cancels the job while it runs: its worker, in whichever process, stops it. */
    cancelRequestedAt: integer('cancel_requested_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('jobs_instance_queued').on(t.instanceId, t.queuedAt),
    index('jobs_organisation_queued').on(t.organisationId, t.queuedAt),
    index('jobs_status').on(t.status),
  ],
);

export interface ObjectRestoreSummaryValue {
  object: string;
  undeleted: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Changed in the org since the snapshot and left as they are (overwrite off). */
  skipped: number;
  failed: number;
  /** A few field changes, to show what the restore changes. */
  changes: { recordId: string; field: string; from: unknown; to: unknown }[];
}

export interface RestoreSummaryValue {
  dryRun: boolean;
  objects: ObjectRestoreSummaryValue[];
}

export type OrganisationRow = typeof organisations.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type InstanceRow = typeof instances.$inferSelect;
export type GrantRow = typeof grants.$inferSelect;
export type OAuthStateRow = typeof oauthStates.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;

/**
 * A point-in-time copy of an instance. A full snapshot lists every record; an incremental one
 * lists only what changed since its base, and its full state is its own rows over its base's.
 */
export const snapshots = sqliteTable(
  'snapshots',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    jobId: text('job_id').notNull(),
    /** The snapshot this one builds on; null for a full snapshot. */
    baseSnapshotId: text('base_snapshot_id'),
    /** Position in the instance's history, so the newest row of a record in a chain wins. */
    sequence: integer('sequence').notNull(),
    /** Set only once every page is stored: an incomplete snapshot is never read. */
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('snapshots_instance').on(t.instanceId, t.sequence)],
);

export const snapshotObjects = sqliteTable(
  'snapshot_objects',
  {
    snapshotId: text('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Live records of the object in the org at the snapshot's time. */
    recordCount: integer('record_count').notNull(),
    deletedCount: integer('deleted_count').notNull(),
    /**
     * Salesforce's clock when this backup began reading the object, less a safety margin: the
     * next incremental backup asks for what was stamped from then on. Null when skipped.
     */
    highWaterMark: text('high_water_mark'),
    /** COMPLETE, or SKIPPED when Salesforce refused the object (the reason says why). */
    state: text('state', { enum: SNAPSHOT_OBJECT_STATES }).notNull().default('COMPLETE'),
    reason: text('reason'),
    /** Files (base64 fields) the object's records hold at the snapshot, and their total bytes. */
    blobCount: integer('blob_count').notNull().default(0),
    blobBytes: integer('blob_bytes').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.name] })],
);

/**
 * Record contents, stored once per distinct content whatever the number of snapshots holding them.
 * Keyed by record first: a backup pages through records in Id order, so new versions land at the
 * end of the index instead of at random places in it (a content-hash key alone made backups slow
 * down as the table grew). This table and `snapshot_records` are WITHOUT ROWID (migration 0015,
 * written by hand: Drizzle has no such option), each stored in its key's b-tree alone.
 */
export const recordVersions = sqliteTable(
  'record_versions',
  {
    recordId: text('record_id').notNull(),
    hash: text('hash').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.recordId, t.hash] })],
);

export const snapshotRecords = sqliteTable(
  'snapshot_records',
  {
    snapshotId: text('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    object: text('object').notNull(),
    recordId: text('record_id').notNull(),
    versionHash: text('version_hash').notNull(),
    deleted: integer('deleted', { mode: 'boolean' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.snapshotId, t.object, t.recordId] }),
    // Records in the recycle bin, few beside the rest: an incremental backup checks them for purges.
    index('snapshot_records_deleted').on(t.snapshotId, t.object, t.recordId).where(sql`${t.deleted} = 1`),
  ],
);

export const jobFailures = sqliteTable(
  'job_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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

/**
 * Records a restore re-created under a new id, per target instance: later restores link children
 * to the new record and update it instead of creating it again.
 */
export const restoredRecords = sqliteTable(
  'restored_records',
  {
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** The id the record had in the snapshot. */
    sourceId: text('source_id').notNull(),
    object: text('object').notNull(),
    /** The id Salesforce gave the re-created record. */
    newId: text('new_id').notNull(),
    jobId: text('job_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.sourceId] }), index('restored_records_new_id').on(t.instanceId, t.newId)],
);

/**
 * A create a restore is about to send, saved before it goes out: when its answer is lost (or the
 * process dies), the next attempt first finds what Salesforce made of it. Removed once the answer
 * is known. One per target instance and snapshot record.
 */
export const restoreIntents = sqliteTable(
  'restore_intents',
  {
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    sourceId: text('source_id').notNull(),
    object: text('object').notNull(),
    jobId: text('job_id').notNull(),
    /** The record exactly as sent (field values, JSON): what a record Salesforce made from it holds. */
    body: text('body').notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.sourceId] }), index('restore_intents_object').on(t.instanceId, t.object)],
);

export type RestoreIntentRow = typeof restoreIntents.$inferSelect;

export const BACKUP_FREQUENCIES = ['EVERY_12_HOURS', 'EVERY_18_HOURS', 'EVERY_24_HOURS', 'CRON'] as const;
export const SCHEDULED_RUN_OUTCOMES = ['STARTED', 'SKIPPED'] as const;

export type BackupFrequency = (typeof BACKUP_FREQUENCIES)[number];
export type ScheduledRunOutcome = (typeof SCHEDULED_RUN_OUTCOMES)[number];

/**
 * When an instance is backed up without anyone starting it. `nextRunAt` is the claim: a scheduler
 * starts a run only by moving it forward with one guarded UPDATE, so two processes never start
 * the same run.
 */
export const backupPolicies = sqliteTable(
  'backup_policies',
  {
    instanceId: text('instance_id')
      .primaryKey()
      .references(() => instances.id, { onDelete: 'cascade' }),
    frequency: text('frequency', { enum: BACKUP_FREQUENCIES }).notNull(),
    /** A five-field cron expression (UTC), for the CRON frequency. */
    cron: text('cron'),
    /** Runs start only within this daily window (UTC): its first minute after midnight and its length. */
    windowStartMinute: integer('window_start_minute'),
    windowMinutes: integer('window_minutes'),
    /** Object API names to take; empty means the whole org. */
    objects: text('objects', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    /** The hour-based tiers count their slots from here. */
    anchorAt: integer('anchor_at', { mode: 'timestamp_ms' }).notNull(),
    /** The next slot; null while the policy is disabled. */
    nextRunAt: integer('next_run_at', { mode: 'timestamp_ms' }),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('backup_policies_next_run').on(t.nextRunAt)],
);

/** Each scheduled slot a scheduler claimed: the job it started, or why it could not start one. */
export const scheduledRuns = sqliteTable(
  'scheduled_runs',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** The slot the run was due at. */
    scheduledFor: integer('scheduled_for', { mode: 'timestamp_ms' }).notNull(),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
    outcome: text('outcome', { enum: SCHEDULED_RUN_OUTCOMES }).notNull(),
    reason: text('reason'),
    jobId: text('job_id'),
  },
  (t) => [uniqueIndex('scheduled_runs_slot').on(t.instanceId, t.scheduledFor), index('scheduled_runs_instance_claimed').on(t.instanceId, t.claimedAt)],
);

/**
 * How long an instance's snapshots are kept (grandfather-father-son): every snapshot for
 * `keepAllDays`, then the newest of each day for `dailyWeeks`, the newest of each week for
 * `weeklyMonths`, and never fewer than the last `keepLast`.
 */
export const retentionPolicies = sqliteTable('retention_policies', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  keepAllDays: integer('keep_all_days').notNull(),
  dailyWeeks: integer('daily_weeks').notNull(),
  weeklyMonths: integer('weekly_months').notNull(),
  keepLast: integer('keep_last').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export type BackupPolicyRow = typeof backupPolicies.$inferSelect;
export type ScheduledRunRow = typeof scheduledRuns.$inferSelect;
export type RetentionPolicyRow = typeof retentionPolicies.$inferSelect;
/**
 * What a snapshot changed since the one before it, kept when it is found (after the backup), so a
 * comparison across many snapshots looks only at the records they changed. An incremental built on
 * the previous snapshot changed exactly its own rows; for any other, `snapshot_changes` lists them.
 */
export const snapshotChangeSets = sqliteTable('snapshot_change_sets', {
  snapshotId: text('snapshot_id')
    .primaryKey()
    .references(() => snapshots.id, { onDelete: 'cascade' }),
  sinceSnapshotId: text('since_snapshot_id').notNull(),
  /** The snapshot's own rows are its changes; none are listed in `snapshot_changes`. */
  ownRows: integer('own_rows', { mode: 'boolean' }).notNull(),
});

export const snapshotChanges = sqliteTable(
  'snapshot_changes',
  {
    snapshotId: text('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    object: text('object').notNull(),
    recordId: text('record_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.object, t.recordId] })],
);

/** When a backup raises a data alert: per instance; an instance without a row uses the defaults. */
export const dataAlertThresholds = sqliteTable('data_alert_thresholds', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  /** Share of an object's records deleted or changed since the previous backup, in percent. */
  percent: real('percent').notNull(),
  /** And at least this many records. */
  minRecords: integer('min_records').notNull(),
});

/** One object's part in a data alert: how much of it the backup found deleted or changed. */
export interface DataAlertObjectValue {
  object: string;
  /** Live records at the previous backup. */
  previousCount: number;
  created: number;
  updated: number;
  deleted: number;
}

/**
 * A backup that found a large share of an object deleted or changed since the previous one: at most
 * one per snapshot, listing every object past the instance's threshold.
 */
export const dataAlerts = sqliteTable(
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
    objects: text('objects', { mode: 'json' }).$type<DataAlertObjectValue[]>().notNull(),
    /** The threshold in force when the alert was raised. */
    percent: real('percent').notNull(),
    minRecords: integer('min_records').notNull(),
    createdAt: createdAt(),
    acknowledgedAt: integer('acknowledged_at', { mode: 'timestamp_ms' }),
    /** The name of the key that acknowledged it, or `operator`. */
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [uniqueIndex('data_alerts_snapshot').on(t.snapshotId), index('data_alerts_instance').on(t.instanceId, t.createdAt)],
);

export type DataAlertThresholdRow = typeof dataAlertThresholds.$inferSelect;
export type DataAlertRow = typeof dataAlerts.$inferSelect;

export const AUDIT_ACTOR_KINDS = ['OPERATOR', 'API_KEY', 'SCHEDULER', 'SYSTEM', 'ANONYMOUS'] as const;
export const AUDIT_OUTCOMES = ['SUCCEEDED', 'FAILED', 'DENIED'] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Who did what to which target, and how it ended. Appended only (the API has no way to change an
 * entry); pruned after AUDIT_RETENTION_DAYS. No foreign keys: entries outlive what they name.
 */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    /** Rising with time: the order of the log and its cursor. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** Whose log it is; null for entries only the operator sees (a wrong key, an action on no organisation). */
    organisationId: text('organisation_id'),
    actorKind: text('actor_kind', { enum: AUDIT_ACTOR_KINDS }).notNull(),
    /** The key's name, `operator`, `scheduler`, `system` (what the service does of itself, as raising an alert) or `anonymous`. */
    actorName: text('actor_name').notNull(),
    actorKeyId: text('actor_key_id'),
    actorRole: text('actor_role', { enum: ROLES }),
    /** A mutation's field name, or an event such as `signInFailed`, `export`, `scheduledBackup`. */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    /** Why it failed or was denied, or a short description; never a secret. */
    detail: text('detail'),
    clientAddress: text('client_address'),
  },
  (t) => [index('audit_entries_organisation').on(t.organisationId, t.id), index('audit_entries_at').on(t.at)],
);

export type AuditEntryRow = typeof auditEntries.$inferSelect;
