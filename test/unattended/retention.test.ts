import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { waitUntil } from '../helpers/wait.ts';
import { FakeClock, HOUR, jobEnded, rawId } from './helpers.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const BACKUP = `mutation ($instanceId: ID!) { startBackup(instanceId: $instanceId, objects: ["Account", "Contact"]) { ... on Job { id } ... on Error { message } } }`;
const SNAPSHOTS = `query ($id: ID!) { instance(id: $id) { ... on Instance { snapshots(first: 50) { nodes { id createdAt incremental } } } } }`;
const RECORDS = `query ($id: ID!, $object: String!, $after: String) {
  snapshot(id: $id) {
    __typename
    ... on Snapshot { records(object: $object, first: 100, after: $after) { nodes { id deleted fields } pageInfo { hasNextPage endCursor } } }
  }
}`;
const SET_RETENTION = `mutation ($instanceId: ID!, $rules: RetentionRulesInput!) {
  setRetentionPolicy(instanceId: $instanceId, rules: $rules) { __typename ... on Instance { retention { keepAllDays dailyWeeks weeklyMonths keepLast } } ... on Error { message } }
}`;
const PRUNE = `mutation ($instanceId: ID!, $dryRun: Boolean!) {
  pruneSnapshots(instanceId: $instanceId, dryRun: $dryRun) {
    __typename
    ... on PruneSummary { dryRun kept recordVersionsDeleted filesDeleted fileBytesBefore fileBytesAfter pruned { id createdAt incremental } }
    ... on Error { message }
  }
}`;

/** The whole org as the snapshot holds it: every record of both objects, in id order. */
async function orgAt(client: GraphQLClient, snapshotId: string, objects = ['Account', 'Contact']) {
  const state: Record<string, unknown[]> = {};
  for (const object of objects) {
    const records: unknown[] = [];
    let after: string | null = null;
    do {
      const snapshot: any = (await client.query(RECORDS, { id: snapshotId, object, after })).snapshot;
      if (snapshot.__typename !== 'Snapshot') return snapshot.__typename as string;
      records.push(...snapshot.records.nodes);
      after = snapshot.records.pageInfo.hasNextPage ? snapshot.records.pageInfo.endCursor : null;
    } while (after);
    state[object] = records;
  }
  return state;
}

describe('retention', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('prunes a 30-snapshot chain by a GFS policy: exactly the expected snapshots stay, each still the whole org at its time, and the file shrinks', async () => {
    const clock = new FakeClock('2026-02-01T12:00:00Z');
    setup = await startConnectedInstance({ clock, emulator: { records: 150 }, env: { TOKEN_LIMIT: '40', FULL_BACKUP_EVERY: '10' } });
    const { admin, instanceId, emulator, server } = setup;
    const org = emulator.data.PRODUCTION;
    const accounts = org.ids('Account');
    const contacts = org.ids('Contact');

    for (let i = 0; i < 30; i++) {
      if (i > 0) {
        for (let j = 0; j < 10; j++) org.update(accounts[(i * 10 + j) % accounts.length], { Name: `Account ${i}-${j}`, Description: 'x'.repeat(400) });
        org.update(contacts[i], { LastName: `Changed ${i}` });
        if (i % 3 === 0) org.delete(contacts[100 + i]);
        org.insert('Account', { Name: `New account ${i}` });
      }
      await jobEnded(admin, (await admin.query(BACKUP, { instanceId })).startBackup.id);
    }
    const oldestFirst = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes.reverse();
    expect(oldestFirst).toHaveLength(30);
    expect(oldestFirst.filter((s: { incremental: boolean }) => !s.incremental)).toHaveLength(3);

    // The test ages the snapshots: one every 12 hours, the newest an hour before now.
    const ids: string[] = oldestFirst.map((s: { id: string }) => rawId(s.id));
    for (const [i, id] of ids.entries()) {
      await rowsOf(server.app).run('update snapshots set created_at = ? where id = ?', new Date(clock.now().getTime() - HOUR - (29 - i) * 12 * HOUR), id);
    }
    const before = new Map<string, unknown>();
    for (const snapshot of oldestFirst) before.set(snapshot.id, await orgAt(admin, snapshot.id));

    expect((await admin.query(SET_RETENTION, { instanceId, rules: { keepAllDays: 2, dailyWeeks: 1, weeklyMonths: 1, keepLast: 3 } })).setRetentionPolicy.__typename).toBe('Instance');
    // Worked out by hand (see the test's notes): the last two days whole, the newest of each day
    // of the week before, and the newest of the one week left within the month before that.
    const keptIndexes = [2, 12, 14, 16, 18, 20, 22, 24, 26, 27, 28, 29];
    const expectedPruned = oldestFirst.filter((_: unknown, i: number) => !keptIndexes.includes(i)).map((s: { id: string }) => s.id);

    const preview = (await admin.query(PRUNE, { instanceId, dryRun: true })).pruneSnapshots;
    expect(preview).toMatchObject({ dryRun: true, kept: 12, recordVersionsDeleted: 0 });
    expect(preview.pruned.map((s: { id: string }) => s.id)).toEqual(expectedPruned);
    expect((await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes).toHaveLength(30);

    // The SQLite file shrinks (its WAL checkpointed to see it), as pruning reports; PostgreSQL leaves the space freed to autovacuum.
    const sqliteFile = server.app.database.engine === 'sqlite' ? server.app.database.handle.sqlite : undefined;
    const databaseFile = join(server.dataDir, 'backup.db');
    sqliteFile?.pragma('wal_checkpoint(TRUNCATE)');
    const sizeBefore = sqliteFile && statSync(databaseFile).size;
    const pruned = (await admin.query(PRUNE, { instanceId, dryRun: false })).pruneSnapshots;
    expect(pruned.pruned.map((s: { id: string }) => s.id)).toEqual(expectedPruned);
    expect(pruned.recordVersionsDeleted).toBeGreaterThan(0);
    if (sqliteFile) {
      sqliteFile.pragma('wal_checkpoint(TRUNCATE)');
      expect(statSync(databaseFile).size).toBeLessThan(sizeBefore!);
      expect(pruned.fileBytesAfter).toBeLessThan(pruned.fileBytesBefore);
    }

    const left = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes.reverse();
    expect(left.map((s: { id: string }) => s.id)).toEqual(keptIndexes.map((i) => oldestFirst[i].id));
    // The oldest kept snapshot's base chain went: it was folded in and now stands alone.
    expect(left[0].incremental).toBe(false);
    for (const snapshot of left) expect(await orgAt(admin, snapshot.id)).toEqual(before.get(snapshot.id));
    for (const id of expectedPruned) expect(await orgAt(admin, id)).toBe('NotFound');
    // Nothing is left that no snapshot names.
    const orphans = await rowsOf(server.app).count(
      'select count(*) as n from record_versions v where not exists (select 1 from snapshot_records r where r.record_id = v.record_id and r.version_hash = v.hash)',
    );
    expect(orphans).toBe(0);
  });

  it("deletes a file no kept snapshot names any more, and keeps the files kept snapshots name", async () => {
    setup = await startConnectedInstance({ emulator: { records: 5 } });
    const { admin, instanceId, emulator, server, organisationId } = setup;
    const org = emulator.data.PRODUCTION;
    const account = org.ids('Account')[0];
    const before = Buffer.from('the first scan '.repeat(2000));
    const after = Buffer.from('the second scan '.repeat(2000));
    const attachment = org.insert('Attachment', { ParentId: account, Name: 'scan.pdf', Body: before.toString('base64') });
    const backUp = async () =>
      jobEnded(admin, (await admin.query(`mutation ($instanceId: ID!) { startBackup(instanceId: $instanceId, objects: ["Attachment"]) { ... on Job { id } } }`, { instanceId })).startBackup.id);
    await backUp();
    const filesAfterFirst = server.app.blobs.list().length;
    org.update(attachment, { Body: after.toString('base64') });
    await backUp();
    expect(server.app.blobs.list()).toHaveLength(filesAfterFirst + 1);

    await admin.query(SET_RETENTION, { instanceId, rules: { keepAllDays: 0, dailyWeeks: 0, weeklyMonths: 0, keepLast: 1 } });
    const pruned = (await admin.query(PRUNE, { instanceId, dryRun: false })).pruneSnapshots;
    expect(pruned).toMatchObject({ kept: 1, filesDeleted: 1 });
    expect(server.app.blobs.list()).toHaveLength(filesAfterFirst);

    const [kept] = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes;
    const records = (await orgAt(admin, kept.id, ['Attachment'])) as Record<string, { id: string; fields: { Body: { blob: string } } }[]>;
    const file = records.Attachment.find((record) => record.id === attachment)!.fields.Body;
    const chunks: Buffer[] = [];
    for await (const chunk of server.app.blobs.forOrganisation(rawId(organisationId)).read(file.blob)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(after)).toBe(true);
    // Every other attachment's file is still there for the kept snapshot.
    for (const record of records.Attachment) expect(server.app.blobs.forOrganisation(rawId(organisationId)).has(record.fields.Body.blob)).toBe(true);
  });

  it('prunes an instance that has rules but no schedule on its own, at the retention interval', async () => {
    setup = await startConnectedInstance({ emulator: { records: 5 }, env: { RETENTION_CHECK_MINUTES: '0.01' } });
    const { admin, instanceId } = setup;
    for (let i = 0; i < 3; i++) await jobEnded(admin, (await admin.query(BACKUP, { instanceId })).startBackup.id);
    const [newest] = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes;

    await admin.query(SET_RETENTION, { instanceId, rules: { keepAllDays: 0, dailyWeeks: 0, weeklyMonths: 0, keepLast: 1 } });
    await waitUntil(async () => (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes.length === 1, 'the retention pass to prune', 15_000, 100);
    // The newest stays, folded into a full snapshot now that its base is gone.
    expect((await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes).toEqual([{ ...newest, incremental: false }]);
  });
});
