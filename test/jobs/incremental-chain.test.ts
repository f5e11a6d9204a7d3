import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { backup, snapshotRecords } from '../helpers/operations.ts';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Invoice__c'];

async function backupSucceeded(client: GraphQLClient, instanceId: string) {
  const job = await backup(client, instanceId, {}, 30_000);
  expect(job.status, job.error).toBe('SUCCEEDED');
  return job;
}


/**
 * Incremental snapshots store only what changed, yet each must read as the whole org at its
 * time, and keep doing so after later backups; every FULL_BACKUP_EVERY-th backup is full again.
 */
describe('a chain of incremental backups', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 30 }, env: { TOKEN_LIMIT: '20', FULL_BACKUP_EVERY: '3' } });
  });
  afterAll(() => setup.close());

  it('reads as the whole org at each backup, then starts over with a full pass', async () => {
    const { admin, instanceId, emulator } = setup;
    const data = emulator.data.PRODUCTION;
    /** The org as the REST API shows it now, recycle bin included. */
    const orgState = (object: string) =>
      data
        .ids(object, { includeDeleted: true })
        .map((id) => {
          const { attributes: _attributes, ...fields } = data.get(id)!;
          return { id, deleted: fields.IsDeleted === true, fields };
        })
        .sort((a, b) => a.id.localeCompare(b.id));
    const orgCopy = () => Object.fromEntries(OBJECTS.map((object) => [object, orgState(object)]));

    const snapshots: { id: string; incremental: boolean; org: ReturnType<typeof orgCopy> }[] = [];
    const change = (round: number) => {
      const accounts = data.ids('Account');
      data.update(accounts[round], { Name: `Renamed in round ${round}` });
      data.update(data.ids('Contact')[round + 3], { Title: `Promoted in round ${round}` });
      data.delete(accounts[accounts.length - 1 - round]); // with its contacts, opportunities and cases
      data.insert('Account', { Name: `Added in round ${round}` });
      data.delete(data.ids('Invoice__c')[round]);
      // Records deleted in the round before leave the recycle bin for good.
      if (round === 2) data.emptyRecycleBin();
    };
    let fullPass = 0;
    for (let round = 0; round < 4; round++) {
      if (round > 0) change(round);
      const job = await backupSucceeded(admin, instanceId);
      snapshots.push({ id: job.snapshot.id, incremental: job.snapshot.incremental, org: orgCopy() });
      const counts = data.counts();
      for (const object of job.snapshot.objects.filter((o: { state: string }) => o.state === 'COMPLETE')) {
        expect(object.recordCount, `${object.name} in round ${round}`).toBe(counts[object.name]);
        const inBin = data.ids(object.name, { includeDeleted: true }).length - counts[object.name];
        expect(object.deletedCount, `${object.name} deleted in round ${round}`).toBe(inBin);
      }
      // Only the changes (and what changed within the safety margin before) were read: far fewer records than a full pass.
      if (job.snapshot.incremental) expect(job.progress.processed).toBeLessThan(fullPass / 4);
      else fullPass = job.progress.processed;
    }
    expect(snapshots.map((s) => s.incremental)).toEqual([false, true, true, false]);

    // Every snapshot, read after all four backups, is still the org as it was at its own time.
    for (const [index, snapshot] of snapshots.entries()) {
      for (const object of OBJECTS) {
        expect((await snapshotRecords(admin, snapshot.id, object)).sort((a, b) => a.id.localeCompare(b.id)), `${object} in snapshot ${index}`).toEqual(snapshot.org[object]);
      }
    }
  });
});
