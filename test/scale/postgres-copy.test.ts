import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { getTableConfig as getPgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyToPostgres, TABLES } from '../../db/copy-to-postgres.ts';
import * as pgSchema from '../../db/pg/schema.ts';
import * as sqliteSchema from '../../db/schema.ts';
import { emulatorEnvironment, startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { GraphQLClient } from '../helpers/graphql-client.ts';
import { backup, INSTANCE_STATE, snapshotRecords } from '../helpers/operations.ts';
import { createTestDatabase, type TestDatabaseUrl } from '../helpers/postgres.ts';
import { startTestServer } from '../helpers/server.ts';
import { rawId, SET_POLICY } from '../unattended/helpers.ts';

const databaseUrl = process.env.TEST_DATABASE_URL;
const root = new URL('../..', import.meta.url).pathname;

const ORGANISATIONS = `{ organisations(first: 50) { nodes { id name instances { id name } } } }`;
const JOBS = `query ($id: ID!) { instance(id: $id) { ... on Instance { policy { frequency objects enabled }
  jobs(first: 50) { nodes { id kind status snapshot { id recordCount objects { name recordCount blobCount blobBytes } } } } } } }`;
const AUDIT_IDS = `{ auditLog(first: 100) { nodes { id action } } }`;

/** Runs the command as an operator would; resolves with its exit code and output. */
async function runCopyCommand(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/copy-to-postgres-cli.ts', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** Every row of every table the copy fills, and the target's partitions: what a refused or failed copy must leave as it was. */
async function contentsOf(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // null: the table does not exist (the database was never migrated).
    const contents: Record<string, unknown[] | null> = {};
    for (const { to } of TABLES) {
      const name = getTableName(to);
      const present = (await client.query('select to_regclass($1) is not null as present', [name])).rows[0].present;
      contents[name] = present ? (await client.query(`select * from "${name}" order by 1, 2`)).rows : null;
    }
    const partitions = await client.query(`select tablename from pg_tables where tablename ~ '^(record_versions|snapshot_records)_'`);
    return { contents, partitions: partitions.rows.map((row) => row.tablename as string) };
  } finally {
    await client.end();
  }
}

const rowsIn = (contents: Record<string, unknown[] | null>) => Object.values(contents).reduce((sum, rows) => sum + (rows?.length ?? 0), 0);

/** A copy of the stopped service's file, changed by `change`, for the copies expected to fail. */
async function changedCopy(file: string, name: string, change: string) {
  const copy = join(dirname(file), `changed-${name}.db`);
  const original = new Database(file, { readonly: true });
  await original.backup(copy);
  original.close();
  const changed = new Database(copy);
  changed.exec(change);
  changed.close();
  return copy;
}

describe('every table of db/schema.ts is copied', () => {
  it('lists each SQLite table once, with the PostgreSQL table of the same name', () => {
    const sqliteTables = Object.values(sqliteSchema).filter((value) => is(value, SQLiteTable)).map(getTableName);
    const pgTables = Object.values(pgSchema).filter((value) => is(value, PgTable)).map(getTableName);
    expect(TABLES.map(({ from }) => getTableName(from)).sort()).toEqual(sqliteTables.sort());
    expect(TABLES.map(({ to }) => getTableName(to))).toEqual(TABLES.map(({ from }) => getTableName(from)));
    expect(pgTables.sort()).toEqual(sqliteTables.sort());
  });

  it('copies each table after the tables its foreign keys reference', () => {
    const order = TABLES.map(({ to }) => getTableName(to));
    const references = TABLES.flatMap(({ to }) => getPgTableConfig(to).foreignKeys.map((key) => [getTableName(to), getTableName(key.reference().foreignTable)]));
    expect(references.length).toBeGreaterThan(20);
    for (const [table, referenced] of references) expect(order.indexOf(referenced), `${table} references ${referenced}`).toBeLessThan(order.indexOf(table));
  });

  it('has a PostgreSQL column for each SQLite column (Drizzle would drop one it does not know), and only the organisation besides where PostgreSQL keys by it', () => {
    for (const { from, to } of TABLES) {
      const sqliteColumns = Object.keys(getTableColumns(from));
      const extra = Object.keys(getTableColumns(to)).filter((key) => !sqliteColumns.includes(key));
      expect(Object.keys(getTableColumns(to)), getTableName(from)).toEqual(expect.arrayContaining(sqliteColumns));
      expect(extra, getTableName(from)).toEqual(['record_versions', 'snapshot_records', 'snapshots'].includes(getTableName(from)) ? ['organisationId'] : []);
    }
  });
});

/**
 * The upgrade from SQLite to PostgreSQL as an operator runs it: a service on SQLite with an
 * organisation, a connected instance, backups with a file, a policy and an audit log; stopped;
 * copied with `npm run db:copy-to-postgres`; then started on PostgreSQL with the same key and folder.
 */
describe.skipIf(!databaseUrl)('the copy from SQLite into PostgreSQL', () => {
  let setup: ConnectedSetup;
  let target: TestDatabaseUrl;
  let scratch: TestDatabaseUrl;
  let adminKey: string;
  let file: string;
  const before = {} as { organisations: unknown; jobs: unknown; instance: any; audit: { id: string; action: string }[]; snapshotId: string; accounts: unknown; files: { blob: string }[] };

  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 10 } });
    adminKey = setup.admin.apiKey!;
    file = join(setup.server.dataDir, 'backup.db');
    const data = setup.emulator.data.PRODUCTION;
    data.insert('ContentVersion', { ContentDocumentId: data.ids('ContentDocument')[0], Title: 'Contract', PathOnClient: 'contract.pdf', VersionData: Buffer.from('signed').toString('base64') });
    const objects = ['Account', 'ContentVersion'];
    expect((await backup(setup.admin, setup.instanceId, { objects, full: true })).status).toBe('SUCCEEDED');
    data.update(data.ids('Account')[0], { Name: 'Renamed before the upgrade' });
    const incremental = await backup(setup.admin, setup.instanceId, { objects });
    expect(incremental.status).toBe('SUCCEEDED');
    expect((await setup.admin.query(SET_POLICY, { instanceId: setup.instanceId, frequency: 'EVERY_24_HOURS', objects: ['Account'] })).setBackupPolicy.__typename).toBe('Instance');

    before.organisations = await setup.server.operator.query(ORGANISATIONS);
    before.jobs = await setup.admin.query(JOBS, { id: setup.instanceId });
    before.instance = await setup.admin.query(INSTANCE_STATE, { id: setup.instanceId });
    before.audit = (await setup.server.operator.query(AUDIT_IDS)).auditLog.nodes;
    before.snapshotId = incremental.snapshot.id;
    before.accounts = await snapshotRecords(setup.admin, incremental.snapshot.id, 'Account');
    before.files = (await snapshotRecords(setup.admin, incremental.snapshot.id, 'ContentVersion')).flatMap((record) => (record.fields.VersionData as { blob: string } | null) ?? []);
    await setup.server.stop();
    [target, scratch] = await Promise.all([createTestDatabase(databaseUrl!), createTestDatabase(databaseUrl!)]);
  });
  afterAll(async () => {
    await setup?.close();
    await target?.drop();
    await scratch?.drop();
  });

  it('copies every row, prints the counts and how to start on PostgreSQL, and never the key', async () => {
    const { code, stdout, stderr } = await runCopyCommand('--from', file, '--to', target.url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^organisations\s+1$/m);
    expect(stdout).toMatch(/^jobs\s+2$/m);
    expect(stdout).toMatch(/^backup_policies\s+1$/m);
    expect(stdout).toMatch(/^snapshot_records\s+[1-9]\d*$/m);
    expect(stdout).toMatch(/^record_versions\s+[1-9]\d*$/m);
    expect(stdout).toMatch(new RegExp(`^audit_entries\\s+${before.audit.length}$`, 'm'));
    const dataDir = setup.server.dataDir;
    expect(stdout).toContain(`DATABASE_URL=${target.url} SECRET_KEY="$(cat ${join(dataDir, 'secret.key')})" DATA_DIR=${dataDir} npm start`);
    expect(stdout).not.toContain(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim());
  });

  it('serves on PostgreSQL what the service held on SQLite, with the same key and folder, and goes on backing up', async () => {
    const { dataDir } = setup.server;
    const secretKey = readFileSync(join(dataDir, 'secret.key'), 'utf8').trim();
    const server = await startTestServer({ ...emulatorEnvironment(setup.emulator), DATABASE_URL: target.url, SECRET_KEY: secretKey, DATA_DIR: dataDir }, dataDir);
    setup.server = server;
    expect(server.app.database.engine).toBe('postgres');
    // The organisation's key, minted on SQLite, still authenticates.
    const admin = new GraphQLClient(server.url, adminKey);
    expect(await server.operator.query(ORGANISATIONS)).toEqual(before.organisations);
    expect(await admin.query(JOBS, { id: setup.instanceId })).toEqual(before.jobs);
    const instance = await admin.query(INSTANCE_STATE, { id: setup.instanceId });
    expect(instance).toEqual(before.instance);
    expect(instance.instance.tokensRemaining).toBe(instance.instance.tokenLimit - 2);
    const audit = (await server.operator.query(AUDIT_IDS)).auditLog.nodes;
    expect(audit).toEqual(before.audit);

    expect(await snapshotRecords(admin, before.snapshotId, 'Account')).toEqual(before.accounts);
    // Files stay in DATA_DIR, sealed with the organisation's data key that SECRET_KEY unwraps.
    const blobs = server.app.blobs.forOrganisation(rawId(setup.organisationId));
    const contract = before.files.map(async (stored) => (await buffer(blobs.read(stored.blob))).toString());
    expect(await Promise.all(contract)).toContain('signed');

    // A new backup builds on the copied chain, with a token of the copied grant.
    setup.emulator.data.PRODUCTION.update(setup.emulator.data.PRODUCTION.ids('Account')[1], { Name: 'Renamed after the upgrade' });
    const next = await backup(admin, setup.instanceId, { objects: ['Account'] });
    expect(next.status, next.error).toBe('SUCCEEDED');
    expect(next.snapshot.incremental).toBe(true);
    const accounts = await snapshotRecords(admin, next.snapshot.id, 'Account');
    expect(accounts.map((record) => record.fields.Name)).toEqual(expect.arrayContaining(['Renamed before the upgrade', 'Renamed after the upgrade']));
    expect((await admin.query(INSTANCE_STATE, { id: setup.instanceId })).instance.tokensRemaining).toBe(instance.instance.tokensRemaining - 1);
    // New audit entries are numbered after the copied ones.
    const copiedIds = before.audit.map((entry) => Number(rawId(entry.id)));
    const newest = (await server.operator.query(AUDIT_IDS)).auditLog.nodes[0];
    expect(newest.action).toBe('startBackup');
    expect(Number(rawId(newest.id))).toBeGreaterThan(Math.max(...copiedIds));
  });

  it('refuses a database that holds data, and leaves it as it was', async () => {
    await setup.server.stop();
    const was = await contentsOf(target.url);
    expect(rowsIn(was.contents)).toBeGreaterThan(0);
    const { code, stdout, stderr } = await runCopyCommand('--from', file, '--to', target.url);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Copy failed, no rows were written to PostgreSQL: The PostgreSQL database already holds data \(in settings, organisations, .*\): copy into a new, empty database\n$/);
    expect(await contentsOf(target.url)).toEqual(was);
  });

  it('refuses a file a running service holds (a job with a live lease)', async () => {
    const running = await changedCopy(file, 'running', `update jobs set status = 'RUNNING', lease_expires_at = ${Date.now() + 60_000} where rowid = (select min(rowid) from jobs)`);
    await expect(copyToPostgres(running, scratch.url)).rejects.toThrow(/^Job .* is running with a live lease: stop the service before copying$/);
    // Refused before migrating: not even a table made.
    expect(await contentsOf(scratch.url)).toEqual({ contents: Object.fromEntries(TABLES.map(({ to }) => [getTableName(to), null])), partitions: [] });
  });

  it('leaves the database empty when the copy fails part way', async () => {
    // PostgreSQL's text takes no NUL character, SQLite's does: the last table copied fails.
    const failing = await changedCopy(file, 'failing', `update audit_entries set detail = 'a' || char(0) || 'b' where id = (select max(id) from audit_entries)`);
    await expect(copyToPostgres(failing, scratch.url)).rejects.toThrow();
    const left = await contentsOf(scratch.url);
    expect(left.contents.organisations).toEqual([]);
    expect(left.partitions).toEqual([]);
    expect(rowsIn(left.contents)).toBe(0);
    // Nothing held it back: the same copy without the bad row goes through into the same database.
    const good = await changedCopy(failing, 'good', `update audit_entries set detail = 'ab' where id = (select max(id) from audit_entries)`);
    const copied = await copyToPostgres(good, scratch.url);
    expect(copied.find(({ table }) => table === 'audit_entries')).toEqual({ table: 'audit_entries', read: before.audit.length, written: before.audit.length });
  });
});
