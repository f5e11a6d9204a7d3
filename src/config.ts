import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const urlString = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).default('./data/backup.db'),
  DATA_DIR: z.string().min(1).optional(),
  PUBLIC_URL: urlString.optional(),
  SECRET_KEY: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'must be 32 bytes as 64 hex digits or base64')
    .optional(),
  SECRET_KEY_PREVIOUS: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'must be 32 bytes as 64 hex digits or base64')
    .optional(),
  ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  SALESFORCE_CLIENT_ID: z.string().min(1).optional(),
  SALESFORCE_CLIENT_SECRET: z.string().min(1).optional(),
  SALESFORCE_LOGIN_URL_PRODUCTION: urlString.default('https://login.salesforce.com'),
  SALESFORCE_LOGIN_URL_SANDBOX: urlString.default('https://test.salesforce.com'),
  SALESFORCE_API_VERSION: z.string().regex(/^\d{2,3}\.0$/, 'must look like 62.0').default('62.0'),
  TOKEN_LIMIT: positiveInt.max(100).default(5),
  TOKEN_WARNING_AT: z.coerce.number().int().min(0).max(100).default(1),
  GRANT_CHECK_MINUTES: z.coerce.number().positive().max(1440).default(15),
  RETENTION_CHECK_MINUTES: z.coerce.number().positive().max(1440).default(60),
  JOB_CONCURRENCY: positiveInt.max(32).default(2),
  JOB_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  API_BUDGET_PERCENT: z.coerce.number().gt(0).max(100).default(50),
  FULL_BACKUP_EVERY: positiveInt.max(1000).default(10),
  BULK_QUERY_THRESHOLD: positiveInt.default(10_000),
  SALESFORCE_RETRIES: positiveInt.max(10).default(4),
  SALESFORCE_RETRY_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  SALESFORCE_CALL_TIMEOUT_SECONDS: z.coerce.number().min(0).max(3600).default(600),
  EMULATOR_RECORDS: z.coerce.number().int().min(0).default(200),
  AUDIT_RETENTION_DAYS: positiveInt.max(36_500).default(365),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  SERVICE_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
});

/** Read-only once loaded: what the server learns later (its address) lives on the App. */
/** Where the service keeps its data: a SQLite file (the default), or a PostgreSQL database that several machines share. */
export type DatabaseLocation = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

export type Config = Readonly<{
  port: number;
  host: string;
  database: DatabaseLocation;
  /** The folder of the service's files: stored file bodies, the generated secret key, the embedded emulator's state. */
  dataDir: string;
  /** PUBLIC_URL; when unset, the server's own address is used once it listens (`App.publicUrl`). */
  publicUrl: string | undefined;
  secretKey: string | undefined;
  /** The key SECRET_KEY replaces: what it sealed is re-sealed at start-up. */
  previousSecretKey: string | undefined;
  adminApiKey: string | undefined;
  salesforce: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    loginUrls: { PRODUCTION: string; SANDBOX: string };
    apiVersion: string;
  };
  tokenLimit: number;
  /** Tokens left at which `tokensLow` is announced (0: never). */
  tokenWarningAt: number;
  /** How often every connected instance's grant is checked with a refresh. */
  grantCheckMinutes: number;
  /** How often every instance's retention rules are applied. */
  retentionCheckMinutes: number;
  jobConcurrency: number;
  /** How long a running job stays held unless its worker renews the lease: a worker silent this long is taken to have died. */
  jobLeaseSeconds: number;
  /** Share of the org's daily API limit a job may bring usage up to (0.5 = 50 %). */
  apiBudgetShare: number;
  /** Every Nth backup of an instance is full; the others are incremental. */
  fullBackupEvery: number;
  /** Objects with at least this many records are read through Bulk API 2.0 on full backups. */
  bulkQueryThreshold: number;
  salesforceRetries: number;
  salesforceRetryDelayMs: number;
  /**
   * The longest Salesforce lets a call run (10 minutes). A create whose answer was lost may still
   * take effect until this long after it was sent, so a restore looks for it only then.
   */
  salesforceCallTimeoutMs: number;
  emulatorRecords: number;
  /** Audit entries older than this many days are pruned. */
  auditRetentionDays: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** `api` serves requests and runs no jobs; `worker` runs jobs and timers, serving only health and metrics. */
  serviceRole: 'all' | 'api' | 'worker';
  /** Events go through Redis pub/sub to the service's other processes; unset, they stay in this one. */
  redisUrl: string | undefined;
}>;

export class ConfigError extends Error {}

/** Reads the environment; a bad value throws one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid ${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  const database = databaseLocation(e.DATABASE_URL);
  // A key generated into one machine's folder would not reach the others sharing the database.
  if (database.engine === 'postgres' && !e.SECRET_KEY) throw new ConfigError('Invalid SECRET_KEY: required with a PostgreSQL DATABASE_URL, the same on every process');
  return {
    port: e.PORT,
    host: e.HOST,
    database,
    dataDir: resolve(e.DATA_DIR ?? (database.engine === 'sqlite' ? dirname(database.file) : './data')),
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    secretKey: e.SECRET_KEY,
    previousSecretKey: e.SECRET_KEY_PREVIOUS,
    adminApiKey: e.ADMIN_API_KEY,
    salesforce: {
      clientId: e.SALESFORCE_CLIENT_ID,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
      loginUrls: {
        PRODUCTION: e.SALESFORCE_LOGIN_URL_PRODUCTION.replace(/\/$/, ''),
        SANDBOX: e.SALESFORCE_LOGIN_URL_SANDBOX.replace(/\/$/, ''),
      },
      apiVersion: e.SALESFORCE_API_VERSION,
    },
    tokenLimit: e.TOKEN_LIMIT,
    tokenWarningAt: e.TOKEN_WARNING_AT,
    grantCheckMinutes: e.GRANT_CHECK_MINUTES,
    retentionCheckMinutes: e.RETENTION_CHECK_MINUTES,
    jobConcurrency: e.JOB_CONCURRENCY,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    apiBudgetShare: e.API_BUDGET_PERCENT / 100,
    fullBackupEvery: e.FULL_BACKUP_EVERY,
    bulkQueryThreshold: e.BULK_QUERY_THRESHOLD,
    salesforceRetries: e.SALESFORCE_RETRIES,
    salesforceRetryDelayMs: e.SALESFORCE_RETRY_DELAY_MS,
    salesforceCallTimeoutMs: e.SALESFORCE_CALL_TIMEOUT_SECONDS * 1000,
    emulatorRecords: e.EMULATOR_RECORDS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    serviceRole: e.SERVICE_ROLE,
    redisUrl: e.REDIS_URL,
  };
}

function databaseLocation(value: string): DatabaseLocation {
  if (/^postgres(?:ql)?:\/\//i.test(value)) {
    if (!URL.canParse(value)) throw new ConfigError('Invalid DATABASE_URL: not a valid postgres:// URL');
    return { engine: 'postgres', url: value };
  }
  return { engine: 'sqlite', file: sqliteFile(value) };
}

function sqliteFile(value: string): string {
  if (value.startsWith('file:')) {
    try {
      return fileURLToPath(value);
    } catch {
      return resolve(value.slice('file:'.length));
    }
  }
  return resolve(value);
}
