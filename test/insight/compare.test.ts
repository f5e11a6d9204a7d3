import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataLoaderValue } from '../../src/services/exports.ts';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { runJob, START_BACKUP } from '../helpers/operations.ts';
import { downloadCsv, type CsvRecord } from './exports.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Invoice__c'];

const COMPARE = `query ($from: ID!, $to: ID!, $object: String, $kinds: [ChangeKind!], $after: String) {
  compareSnapshots(from: $from, to: $to) {
    __typename
    ... on SnapshotComparison {
      comparedObjects
      objects { object created updated deleted }
      changes(object: $object, kinds: $kinds, first: 37, after: $after) {
        edges { node { object recordId kind fields { field old new } restoreFrom { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
    ... on Error { message }
  }
}`;

interface Change {
  object: string;
  recordId: string;
  kind: string;
  fields: { field: string; old: unknown; new: unknown }[];
  restoreFrom: { id: string };
}

async function backup(client: GraphQLClient, instanceId: string): Promise<string> {
  const job = await runJob(client, START_BACKUP, { instanceId, objects: OBJECTS });
  expect(job.status, job.error).toBe('SUCCEEDED');
  return job.snapshot.id;
}

/** Every changed record, page by page through the connection. */
async function allChanges(client: GraphQLClient, from: string, to: string, filters: { object?: string; kinds?: string[] } = {}) {
  const changes: Change[] = [];
  let after: string | null = null;
  for (;;) {
    const result: any = (await client.query(COMPARE, { from, to, ...filters, after })).compareSnapshots;
    expect(result.__typename, result.message).toBe('SnapshotComparison');
    changes.push(...result.changes.edges.map((edge: { node: Change }) => edge.node));
    if (!result.changes.pageInfo.hasNextPage) return { counts: result.objects, compared: result.comparedObjects, changes };
    after = result.changes.pageInfo.endCursor;
  }
}

/** What a person would do with two exports: match rows by Id and compare every cell. */
function bruteForce(before: Map<string, CsvRecord[]>, after: Map<string, CsvRecord[]>) {
  const counts: { object: string; created: number; updated: number; deleted: number }[] = [];
  const changes: { object: string; recordId: string; kind: string; cells: Record<string, [string, string]> }[] = [];
  for (const object of OBJECTS) {
    const old = new Map(before.get(object)!.map((row) => [row.Id, row]));
    const current = new Map(after.get(object)!.map((row) => [row.Id, row]));
    const tally = { object, created: 0, updated: 0, deleted: 0 };
    for (const id of [...new Set([...old.keys(), ...current.keys()])].sort()) {
      const a = old.get(id);
      const b = current.get(id);
      const cells = Object.fromEntries(
        [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])]
          .filter((name) => (a?.[name] ?? '') !== (b?.[name] ?? ''))
          .map((name) => [name, [a?.[name] ?? '', b?.[name] ?? ''] as [string, string]]),
      );
      const kind = !a ? 'CREATED' : !b ? 'DELETED' : Object.keys(cells).length > 0 ? 'UPDATED' : undefined;
      if (!kind) continue;
      tally[kind.toLowerCase() as 'created' | 'updated' | 'deleted'] += 1;
      changes.push({ object, recordId: id, kind, cells });
    }
    if (tally.created + tally.updated + tally.deleted > 0) counts.push(tally);
  }
  return { counts, changes };
}

describe('comparing two snapshots', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 60 }, env: { TOKEN_LIMIT: '20', FULL_BACKUP_EVERY: '3' } });
  });
  afterAll(() => setup.close());

  it('counts and lists what two full exports differ by, for any two snapshots, across incrementals and a full pass', async () => {
    const { admin, instanceId, emulator } = setup;
    const data = emulator.data.PRODUCTION;
    const change = (round: number) => {
      const accounts = data.ids('Account');
      for (let i = 0; i < 4; i++) data.update(accounts[round * 4 + i], { Name: `Renamed ${round}-${i}`, Phone: null });
      const contacts = data.ids('Contact');
      for (let i = 0; i < 3; i++) data.update(contacts[round * 3 + i], { Title: `Title ${round}-${i}` });
      for (let i = 0; i < 5; i++) data.delete(contacts[contacts.length - 1 - i]);
      data.delete(accounts[accounts.length - 1]); // with its contacts, opportunities and invoices
      data.insert('Account', { Name: `Added in round ${round}` });
      data.insert('Contact', { LastName: `Added ${round}`, AccountId: accounts[0] });
      data.update(data.ids('Invoice__c')[round], { Amount__c: 1000 + round });
    };

    const snapshots: string[] = [];
    for (let round = 0; round < 4; round++) {
      if (round > 0) change(round);
      snapshots.push(await backup(admin, instanceId));
      if (round === 1) emulator.emptyRecycleBin('PRODUCTION'); // purged records read as deleted too
    }
    const exports = new Map<string, Map<string, CsvRecord[]>>();
    for (const id of snapshots) {
      const perObject = new Map<string, CsvRecord[]>();
      for (const object of OBJECTS) perObject.set(object, (await downloadCsv(admin, id, object)).records);
      exports.set(id, perObject);
    }

    // Neighbours, a gap, incrementals against the full pass after them, and backwards in time;
    // then again without the change sets noted after each backup (as for snapshots taken before
    // they were), comparing hash by hash.
    const [s0, s1, s2, s3] = snapshots as [string, string, string, string];
    const pairs = [[s0, s1], [s1, s2], [s0, s2], [s2, s3], [s0, s3], [s3, s1]] as const;
    const forgetChangeSets = async () => {
      await rowsOf(setup.server.app).run('DELETE FROM snapshot_changes');
      await rowsOf(setup.server.app).run('DELETE FROM snapshot_change_sets');
    };
    for (const [pass, [from, to]] of [...pairs.map((pair) => ['noted', pair] as const), ...pairs.map((pair) => ['hash by hash', pair] as const)]) {
      if (pass === 'hash by hash' && from === s0 && to === s1) await forgetChangeSets();
      const expected = bruteForce(exports.get(from)!, exports.get(to)!);
      const actual = await allChanges(admin, from, to);
      expect(actual.compared).toEqual([...OBJECTS].sort());
      expect(actual.counts, `${pass}: ${from} → ${to}`).toEqual(expected.counts.sort((a, b) => a.object.localeCompare(b.object)));
      expect(actual.changes.map(({ object, recordId, kind }) => ({ object, recordId, kind }))).toEqual(
        expected.changes.map(({ object, recordId, kind }) => ({ object, recordId, kind })),
      );
      for (const [i, found] of actual.changes.entries()) {
        const { cells } = expected.changes[i];
        const asCells = (value: unknown) => dataLoaderValue(value, () => '');
        if (found.kind === 'UPDATED') {
          // Field for field, the values the exports show on either side.
          expect(Object.fromEntries(found.fields.map((f) => [f.field, [asCells(f.old), asCells(f.new)]])), found.recordId).toEqual(cells);
        } else {
          const side = found.kind === 'CREATED' ? 1 : 0;
          for (const f of found.fields) if (f.field in cells) expect(asCells(side ? f.new : f.old)).toBe(cells[f.field][side]);
        }
        expect(found.restoreFrom.id).toBe(found.kind === 'CREATED' ? to : from);
      }
      expect(expected.changes.length, 'the rounds changed something').toBeGreaterThan(0);
    }

    // Filters narrow the list to what the brute force finds for that object and kind.
    const deletedContacts = await allChanges(admin, s0, s3, { object: 'Contact', kinds: ['DELETED'] });
    const expected = bruteForce(exports.get(s0)!, exports.get(s3)!).changes.filter((c) => c.object === 'Contact' && c.kind === 'DELETED');
    expect(deletedContacts.changes.map((c) => c.recordId)).toEqual(expected.map((c) => c.recordId));
    expect(expected.length).toBeGreaterThan(10);
  });

  it('refuses snapshots of another organisation, and objects the snapshots do not hold, with typed errors', async () => {
    const { admin, instanceId, server } = setup;
    const snapshot = await backup(admin, instanceId);
    const compare = async (client: GraphQLClient, variables: Record<string, unknown>) => client.request(COMPARE, { from: snapshot, to: snapshot, ...variables });
    expect((await compare(admin, { to: Buffer.from('Snapshot:nope').toString('base64url') })).data.compareSnapshots.__typename).toBe('NotFound');
    const { client: stranger } = await createOrganisationWithKey(server.operator, 'Other');
    expect((await compare(stranger, {})).data.compareSnapshots.__typename).toBe('NotFound');
    const unknownObject = await compare(admin, { object: 'Nothing__c' });
    expect(unknownObject.errors?.[0]?.message).toBe('Nothing__c is not an object both snapshots hold complete');
    expect(unknownObject.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });
});
