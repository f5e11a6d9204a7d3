import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.ts';

const MIGRATIONS = new URL('../../db/migrations', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sfbackup-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database as the migrations up to `lastTag` left it. */
function databaseUpTo(file: string, lastTag: string) {
  const folder = join(dir, `migrations-${lastTag}`);
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === lastTag) + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  const sqlite = new Database(file);
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  return sqlite;
}

describe('migrations', () => {
  it('keep every stored record version when versions become keyed by record', () => {
    const file = join(dir, 'before-0004.db');
    const old = databaseUpTo(file, '0003_restored_records');
    const versions = [
      { hash: 'h1', data: JSON.stringify({ Id: '001000000000001AAA', Name: 'Acme' }) },
      { hash: 'h2', data: JSON.stringify({ Id: '001000000000001AAA', Name: 'Acme Ltd' }) },
      { hash: 'h3', data: JSON.stringify({ Id: '003000000000002AAA', LastName: 'Smith' }) },
    ];
    const insert = old.prepare('insert into record_versions (hash, data) values (?, ?)');
    for (const version of versions) insert.run(version.hash, version.data);
    old.close();

    const migrated = openDatabase(file);
    const rows = migrated.sqlite.prepare('select record_id, hash, data from record_versions order by hash').all();
    migrated.close();
    expect(rows).toEqual([
      { record_id: '001000000000001AAA', ...versions[0] },
      { record_id: '001000000000001AAA', ...versions[1] },
      { record_id: '003000000000002AAA', ...versions[2] },
    ]);
  });

  it('rewrite a file made before incremental vacuum once, keeping its rows, so pruning can shrink it', () => {
    const file = join(dir, 'no-auto-vacuum.db');
    const old = databaseUpTo(file, '0003_restored_records');
    expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
    old.prepare('insert into record_versions (hash, data) values (?, ?)').run('h1', JSON.stringify({ Id: '001000000000001AAA' }));
    old.close();

    const first = openDatabase(file);
    expect(first.convertedToIncrementalVacuumMs).toBeGreaterThanOrEqual(0);
    expect(first.sqlite.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(first.sqlite.prepare('select record_id from record_versions').all()).toEqual([{ record_id: '001000000000001AAA' }]);
    first.close();
    const again = openDatabase(file);
    expect(again.convertedToIncrementalVacuumMs).toBeUndefined();
    again.close();
  });

  it('rename names taken twice before names had unique indexes, so the indexes build on an existing database', () => {
    const file = join(dir, 'before-0013.db');
    const old = databaseUpTo(file, '0012_job_changed_records');
    const organisation = old.prepare('insert into organisations (id, name, created_at) values (?, ?, ?)');
    organisation.run('o1', 'Acme', 1);
    organisation.run('o2', 'ACME', 2);
    organisation.run('o3', 'acme', 3);
    organisation.run('o4', 'Acme (2)', 4); // already holds the name the second Acme would get
    organisation.run('o5', 'Globex', 5);
    const instance = old.prepare(
      "insert into instances (id, organisation_id, environment, name, login_url, token_limit, created_at) values (?, ?, 'PRODUCTION', ?, 'https://login.salesforce.com', 5, ?)",
    );
    instance.run('i1', 'o1', 'Live', 1);
    instance.run('i2', 'o1', 'live', 2);
    instance.run('i3', 'o5', 'Live', 3); // another organisation's: keeps its name
    old.close();

    const migrated = openDatabase(file);
    const names = (table: string) => migrated.sqlite.prepare(`select id, name from ${table} order by id`).all();
    const organisations = names('organisations');
    const instances = names('instances');
    const insertTaken = () => migrated.sqlite.prepare("insert into organisations (id, name) values ('o6', 'GLOBEX')").run();
    expect(insertTaken).toThrow(/UNIQUE constraint failed: index 'organisations_name'/);
    migrated.close();
    expect(organisations).toEqual([
      { id: 'o1', name: 'Acme' },
      { id: 'o2', name: 'ACME (2) o2' },
      { id: 'o3', name: 'acme (3)' },
      { id: 'o4', name: 'Acme (2)' },
      { id: 'o5', name: 'Globex' },
    ]);
    expect(instances).toEqual([
      { id: 'i1', name: 'Live' },
      { id: 'i2', name: 'live (2)' },
      { id: 'i3', name: 'Live' },
    ]);
  });
});
