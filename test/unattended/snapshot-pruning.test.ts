import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../db/pg/client.ts';
import { snapshotRowsDeletion } from '../../db/pg/snapshot-pruning.ts';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type StoredRecord, type TestDatabase } from '../helpers/engines.ts';

const DAY = 86_400_000;
const record = (object: string, recordId: string, hash: string, data = `{"Name":"${recordId} ${hash}"}`): StoredRecord => ({ object, recordId, hash, data });
const grant = (salesforceOrgId: string) => ({ refreshTokenCiphertext: 'sealed', instanceUrl: 'https://org.example', salesforceOrgId, salesforceUserId: 'user', username: 'user@example.com' });

/** Pruning, and what retention and the file sweep read, on each engine: folds keep every kept snapshot whole, versions go only when nothing names them. */
describe.each(ENGINES)('snapshot pruning on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;
  let sequence: number;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
    sequence = 0;
  });
  afterEach(() => database.close());

  /** A complete snapshot of the instance, `daysAgo` days old, on `base` when given. */
  async function snapshot(records: StoredRecord[], options: { base?: string; daysAgo?: number; of?: InstanceRow; completed?: boolean } = {}) {
    const of = options.of ?? instance;
    const job = await database.queueJob(of, new Date());
    const id = randomUUID();
    const createdAt = new Date(Date.now() - (options.daysAgo ?? 0) * DAY);
    sequence += 1;
    await database.storeSnapshot(
      { id, jobId: job.id, instanceId: of.id, baseSnapshotId: options.base ?? null, sequence, createdAt, completedAt: options.completed === false ? null : createdAt },
      records,
    );
    return id;
  }

  it('folds a pruned base into its successor, drops the purged markers it no longer needs, and deletes only versions nothing names', async () => {
    const first = await snapshot([record('Account', 'A', 'a1'), record('Account', 'B', 'b1'), record('Contact', 'C', 'c1')], { daysAgo: 3 });
    const second = await snapshot([record('Account', 'A', 'a2'), record('Account', 'D', 'd1'), record('Contact', 'C', 'purged')], { base: first, daysAgo: 2 });
    const third = await snapshot([record('Account', 'B', 'b2')], { base: second, daysAgo: 1 });

    const outcome = await database.pruning.prune([first]);

    expect(outcome.recordVersionsDeleted).toBe(2);
    expect(await database.snapshot(first)).toBeUndefined();
    expect(await database.snapshot(second)).toMatchObject({ baseSnapshotId: null, completedAt: expect.any(Date) });
    expect(await database.snapshot(third)).toMatchObject({ baseSnapshotId: second });
    expect(await database.snapshotRecords(second)).toEqual(['Account/A/a2', 'Account/B/b1', 'Account/D/d1']);
    expect(await database.versions()).toEqual(['A/a2', 'B/b1', 'B/b2', 'D/d1']);

    // The middle of the chain: its rows move into the newest, which is then whole on its own.
    expect((await database.pruning.prune([second])).recordVersionsDeleted).toBe(1);
    expect(await database.snapshot(third)).toMatchObject({ baseSnapshotId: null });
    expect(await database.snapshotRecords(third)).toEqual(['Account/A/a2', 'Account/B/b2', 'Account/D/d1']);
    expect(await database.versions()).toEqual(['A/a2', 'B/b2', 'D/d1']);
  });

  it('prunes several oldest first, an older folding into a newer one that also goes, and skips one already gone', async () => {
    const first = await snapshot([record('Account', 'A', 'a1'), record('Account', 'B', 'b1')], { daysAgo: 3 });
    const second = await snapshot([record('Account', 'A', 'a2')], { base: first, daysAgo: 2 });
    const third = await snapshot([record('Account', 'C', 'c1')], { base: second, daysAgo: 1 });

    const outcome = await database.pruning.prune([first, second, randomUUID()]);

    expect(outcome.recordVersionsDeleted).toBe(1);
    expect(outcome.bytesBefore).toBeGreaterThan(0);
    expect(outcome.bytesAfter).toBeGreaterThan(0);
    expect(await database.snapshotIds()).toEqual([third]);
    expect(await database.snapshot(third)).toMatchObject({ baseSnapshotId: null });
    expect(await database.snapshotRecords(third)).toEqual(['Account/A/a2', 'Account/B/b1', 'Account/C/c1']);
    expect(await database.versions()).toEqual(['A/a2', 'B/b1', 'C/c1']);
  });

  it('prunes the same snapshots from two connections at once as once', async () => {
    const other = await database.connectAgain();
    const records = Array.from({ length: 300 }, (_, i) => record('Account', `R${i}`, 'v1'));
    const first = await snapshot(records, { daysAgo: 3 });
    const second = await snapshot([record('Account', 'R0', 'v2'), record('Account', 'new', 'n1')], { base: first, daysAgo: 2 });
    const third = await snapshot([record('Account', 'R1', 'v2')], { base: second, daysAgo: 1 });

    await Promise.all([database.pruning.prune([first, second]), other.pruning.prune([first, second])]);

    expect(await database.snapshotIds()).toEqual([third]);
    expect(await database.snapshot(third)).toMatchObject({ baseSnapshotId: null, completedAt: expect.any(Date) });
    const expected = ['Account/R0/v2', 'Account/R1/v2', 'Account/new/n1', ...records.slice(2).map((r) => `Account/${r.recordId}/v1`)].sort();
    expect(await database.snapshotRecords(third)).toEqual(expected);
    expect(await database.versions()).toEqual(expected.map((row) => row.split('/').slice(1).join('/')).sort());
  });

  it('keeps a version another instance of the same Salesforce org names', async () => {
    const sibling = await database.addInstance(5, instance.organisationId);
    await database.ledger.issueGrant(instance.id, grant('00D000000000001'), new Date());
    await database.ledger.issueGrant(sibling.id, grant('00D000000000001'), new Date());
    const mine = await snapshot([record('Account', 'A', 'a1'), record('Account', 'B', 'b1')]);
    await snapshot([record('Account', 'A', 'a1')], { of: sibling });

    expect((await database.pruning.prune([mine])).recordVersionsDeleted).toBe(1);
    expect(await database.versions()).toEqual(['A/a1']);
  });

  it('reads what retention chooses from: complete snapshots oldest first, those a restore holds, and every snapshot newest first', async () => {
    const old = await snapshot([], { daysAgo: 2 });
    const recent = await snapshot([], { daysAgo: 1, base: old });
    const unfinished = await snapshot([], { completed: false });
    const other = await database.addInstance(5, instance.organisationId);
    await snapshot([], { of: other });
    await database.claims.enqueue({ id: randomUUID(), organisationId: instance.organisationId, instanceId: instance.id, kind: 'RESTORE', snapshotId: old, queuedAt: new Date() });

    expect((await database.pruning.completeSnapshots(instance.id)).map((s) => s.id)).toEqual([old, recent]);
    expect(await database.pruning.pinnedSnapshots(instance.id)).toEqual([old]);
    expect(await database.pruning.pinnedSnapshots(other.id)).toEqual([]);
    expect(await database.pruning.snapshotIdsNewestFirst(instance.id)).toEqual([unfinished, recent, old]);
  });

  it('gives the sweep every version of the objects holding files, a page at a time, and says when a backup ran', async () => {
    const file = (name: string) => `{"VersionData":{"blob":"${name}","size":3}}`;
    const first = await snapshot([record('ContentVersion', 'V1', 'h1', file('f1')), record('ContentVersion', 'V2', 'h2', file('f2')), record('Account', 'A', 'a1')]);
    await snapshot([record('ContentVersion', 'V3', 'h3', file('f3'))], { base: first });
    const other = await database.addInstance(5);
    await snapshot([record('ContentVersion', 'V4', 'h4', file('f4'))], { of: other });

    const pages: string[][] = [];
    for await (const page of database.fileReferences.versionsHoldingFiles(2)) {
      expect(page.length).toBeLessThanOrEqual(2);
      pages.push(page.map((version) => String(version.data)));
    }
    expect(pages.flat().sort()).toEqual([file('f1'), file('f2'), file('f3'), file('f4')]);

    const since = new Date(Date.now() - 1000);
    expect(await database.fileReferences.backupRanSince(since)).toBe(false);
    await database.claims.claimNext({ owner: 'test', expiresAt: new Date(Date.now() + 60_000) });
    expect(await database.fileReferences.backupRanSince(since)).toBe(true);
  });

  if (engine.name === 'PostgreSQL') {
    it("deletes a snapshot's rows within its organisation's partitions alone", async () => {
      const other = await database.addInstance(5);
      const mine = await snapshot([record('Account', 'A', 'a1')]);
      await snapshot([record('Account', 'A', 'a1')], { of: other });
      const connection = await openPostgres(process.env.TEST_DATABASE_URL!, { schema: database.schema });
      try {
        const { rows } = await connection.db.execute<{ 'QUERY PLAN': string }>(sql`explain ${snapshotRowsDeletion(instance.organisationId, mine, [])}`);
        const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
        const partition = (table: string, organisationId: string) => `${table}_${organisationId.replaceAll('-', '')}`;
        expect(plan).toContain(partition('snapshot_records', instance.organisationId));
        expect(plan).toContain(partition('record_versions', instance.organisationId));
        expect(plan).not.toContain(partition('snapshot_records', other.organisationId));
        expect(plan).not.toContain(partition('record_versions', other.organisationId));
      } finally {
        await connection.close();
      }
      await database.pruning.prune([mine]);
      expect(await database.versions()).toEqual(['A/a1']);
    });

    it('keeps a version a backup is storing again while the snapshot naming it is pruned', async () => {
      const pruned = await snapshot([record('Account', 'A', 'a1')], { daysAgo: 1 });
      const running = await snapshot([], { completed: false });
      const other = await database.connectAgain();
      const release = await slowSnapshotRecordInserts(database);
      try {
        // The backup finds the version stored already, then takes a moment to name it in its snapshot.
        const backup = database.snapshots.writeRecords(running, 'Account', [{ recordId: 'A', hash: 'a1', data: record('Account', 'A', 'a1').data, deleted: false }]);
        await sleep(100);
        await other.pruning.prune([pruned]);
        await backup;
      } finally {
        await release();
      }
      expect(await database.snapshotRecords(running)).toEqual(['Account/A/a1']);
      expect(await database.versions()).toEqual(['A/a1']);
    });
  }
});

/** A trigger that holds each insert into snapshot_records a moment, inside its transaction. */
async function slowSnapshotRecordInserts(database: TestDatabase): Promise<() => Promise<void>> {
  const handle = await openPostgres(process.env.TEST_DATABASE_URL!, { schema: database.schema });
  await handle.pool.query(`
    create function slow_snapshot_records() returns trigger language plpgsql as $$
    begin perform pg_sleep(0.5); return null; end $$;
    create trigger slow_snapshot_records before insert on snapshot_records for each statement execute function slow_snapshot_records();
  `);
  return () => handle.close();
}
