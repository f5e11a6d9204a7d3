import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { authorizeJsforce } from '../helpers/emulator-login.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { backup, CANCEL_JOB, START_BACKUP, waitForJob } from '../helpers/operations.ts';
import { waitUntil } from '../helpers/wait.ts';

const RECORDS = `query ($id: ID!, $object: String!, $after: String) {
  snapshot(id: $id) { ... on Snapshot { records(object: $object, first: 100, after: $after) { nodes { id deleted fields } pageInfo { endCursor hasNextPage } } } }
}`;

type StoredObject = { name: string; state: string; reason: string | null; recordCount: number; deletedCount: number; blobCount: number; blobBytes: number };
type SnapshotRecord = { id: string; deleted: boolean; fields: Record<string, unknown> };

async function snapshotRecords(client: GraphQLClient, snapshotId: string, object: string): Promise<SnapshotRecord[]> {
  const records: SnapshotRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { nodes: SnapshotRecord[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } = (await client.query(RECORDS, { id: snapshotId, object, after })).snapshot.records;
    records.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return records;
    after = page.pageInfo.endCursor;
  }
}

const objectOf = (job: { snapshot: { objects: StoredObject[] } }, name: string) => job.snapshot.objects.find((o) => o.name === name)!;

/**
 * Backups against an org shaped like a real one: restricted objects, a 600-field object, files,
 * late commits, purges, and objects large enough for Bulk API 2.0 (the threshold is lowered here).
 */
const localId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

describe('backups of a realistic org', () => {
  let setup: ConnectedSetup;
  let salesforce: jsforce.Connection;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 30 }, env: { TOKEN_LIMIT: '50', BULK_QUERY_THRESHOLD: '25', FULL_BACKUP_EVERY: '100' } });
    salesforce = await authorizeJsforce(setup.emulator);
  });
  afterAll(() => setup.close());

  it('succeeds with one warning per refused object, and each object holds what COUNT() says', async () => {
    const job = await backup(setup.admin, setup.instanceId);
    expect(job.status, job.error).toBe('SUCCEEDED');
    const skipped = job.snapshot.objects.filter((o: StoredObject) => o.state === 'SKIPPED');
    expect(skipped.map((o: StoredObject) => o.name).sort()).toEqual(['ContentDocumentLink', 'ContentFolderItem', 'IdeaComment', 'KnowledgeArticleVersion', 'Vote']);
    for (const object of skipped) {
      expect(job.warnings).toContain(`${object.name} skipped: ${object.reason}`);
      // The reason is Salesforce's own answer to the same query.
      const refused = await salesforce.query(`SELECT Id FROM ${object.name}`).then(
        () => undefined,
        (error: Error) => `${error.name}: ${error.message}`,
      );
      expect(object.reason).toBe(refused);
    }
    const complete = job.snapshot.objects.filter((o: StoredObject) => o.state === 'COMPLETE');
    expect(complete.length).toBeGreaterThan(20);
    for (const object of complete) {
      const { totalSize } = await salesforce.query(`SELECT COUNT() FROM ${object.name}`);
      expect(object.recordCount, object.name).toBe(totalSize);
    }
  });

  it('reads an object too wide for a GET through Bulk API 2.0, down to its last field, while the job stays in progress', async () => {
    const describe = await salesforce.sobject('Loan_Application__c').describe();
    const fields = describe.fields.map((f) => f.name);
    expect(fields.length).toBeGreaterThan(600);
    // The GET that listing every field would take: Salesforce refuses its length.
    const url = `${setup.emulator.orgs.PRODUCTION.instanceUrl}/services/data/v62.0/queryAll?q=${encodeURIComponent(`SELECT ${fields.join(', ')} FROM Loan_Application__c`)}`;
    expect((await fetch(url, { headers: { authorization: `Bearer ${salesforce.accessToken}` } })).status).toBe(414);

    const before = setup.emulator.counters().orgs.PRODUCTION.bulkJobs;
    // Small result pages: the results come in several, one Sforce-Locator to the next.
    setup.emulator.configureBulkJobs({ processingMs: 1_200, pageRecords: 7 });
    try {
      const job = await backup(setup.admin, setup.instanceId, { objects: ['Loan_Application__c', 'Account'], full: true });
      expect(job.status, job.error).toBe('SUCCEEDED');
      const after = setup.emulator.counters().orgs.PRODUCTION.bulkJobs;
      expect(after.created - before.created).toBe(2);
      expect(after.pollsInProgress - before.pollsInProgress).toBeGreaterThanOrEqual(4);
      // Two jobs, each created, polled at least twice and read in ceil(n / 7) pages, plus record counts and describes.
      const pages = Math.ceil(setup.emulator.data.PRODUCTION.counts().Loan_Application__c / 7) + Math.ceil(setup.emulator.data.PRODUCTION.counts().Account / 7);
      expect(job.apiCalls).toBeGreaterThanOrEqual(2 + 2 * 2 + pages);

      const last = describe.fields.filter((f) => f.custom).at(-1)!.name;
      expect(last).toBe('Interest_Rate_Lock_Comments__c');
      const stored = await snapshotRecords(setup.admin, job.snapshot.id, 'Loan_Application__c');
      const data = setup.emulator.data.PRODUCTION;
      expect(stored.length).toBe(data.counts().Loan_Application__c);
      for (const record of stored) {
        const { attributes: _attributes, ...live } = data.get(record.id)!;
        // Typed from describe: the Bulk CSV reads back exactly as the REST API shows the record.
        expect(record.fields).toEqual(live);
        expect(last in record.fields).toBe(true);
      }
    } finally {
      setup.emulator.configureBulkJobs({ processingMs: 100, pageRecords: 100_000 });
    }
  });

  it("starts the next object's Bulk API 2.0 job while one is read, and lets go of the jobs of a cancelled backup", async () => {
    const stats = () => setup.emulator.counters().orgs.PRODUCTION.bulkJobs;
    const objects = ['Loan_Application__c', 'Account'];
    setup.emulator.configureBulkJobs({ processingMs: 1_200 });
    try {
      // Both jobs run in Salesforce at once: by the time the first is read, the second is done, and
      // it is never seen in progress (one after the other, it would be polled in progress 4 times).
      let before = stats();
      const job = await backup(setup.admin, setup.instanceId, { objects, full: true });
      expect(job.status, job.error).toBe('SUCCEEDED');
      expect(job.snapshot.objects.map((o: StoredObject) => o.state)).toEqual(['COMPLETE', 'COMPLETE']);
      expect(stats().created - before.created).toBe(2);
      expect(stats().pollsInProgress - before.pollsInProgress).toBeLessThanOrEqual(5);

      // Cancelled while the first job runs: the first and the one started ahead are both aborted.
      setup.emulator.configureBulkJobs({ processingMs: 60_000 });
      before = stats();
      const started = (await setup.admin.query(START_BACKUP, { instanceId: setup.instanceId, objects, full: true })).startBackup;
      await waitUntil(() => stats().created - before.created === 2 && stats().pollsInProgress > before.pollsInProgress, 'both jobs created, the first polled', 10_000);
      expect((await setup.admin.query(CANCEL_JOB, { id: started.id })).cancelJob).toMatchObject({ __typename: 'Job' });
      expect((await waitForJob(setup.admin, started.id)).status).toBe('CANCELLED');
      await waitUntil(() => stats().aborted - before.aborted === 2, 'both jobs aborted', 10_000);
    } finally {
      setup.emulator.configureBulkJobs({ processingMs: 100 });
    }
  });

  it('skips an object whose Bulk API 2.0 job fails, and says why', async () => {
    setup.emulator.configureBulkJobs({ failNext: 'QUERY_TIMEOUT: Your query request was running for too long.' });
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Attachment'], full: true });
    expect(job.status, job.error).toBe('SUCCEEDED');
    expect(objectOf(job, 'Account')).toMatchObject({ state: 'SKIPPED', reason: 'BULK_QUERY_FAILED: Bulk API 2.0 query job Failed: QUERY_TIMEOUT: Your query request was running for too long.' });
    expect(objectOf(job, 'Attachment')).toMatchObject({ state: 'COMPLETE' });
  });

  it('fails the job when every object is refused', async () => {
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Vote', 'IdeaComment'] });
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatch(/^Salesforce refused every object: Vote \(MALFORMED_QUERY: Implementation restriction/);
  });

  it('stores attachment bytes identically, one copy per distinct content', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const big = randomBytes(3 * 1024 * 1024);
    const parent = data.ids('Account')[3];
    const first = data.insert('Attachment', { ParentId: parent, Name: 'contract.pdf', Body: big.toString('base64') });
    const copy = data.insert('Attachment', { ParentId: parent, Name: 'contract copy.pdf', Body: big.toString('base64') });
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Attachment', 'ContentVersion'], full: true });
    expect(job.status, job.error).toBe('SUCCEEDED');

    const blobs = setup.server.app.blobs.forOrganisation(localId(setup.organisationId));
    for (const object of ['Attachment', 'ContentVersion']) {
      const field = object === 'Attachment' ? 'Body' : 'VersionData';
      const stored = await snapshotRecords(setup.admin, job.snapshot.id, object);
      expect(stored.length).toBe(data.counts()[object]);
      let bytes = 0;
      for (const record of stored) {
        const ref = record.fields[field] as { blob: string; size: number };
        const original = data.blob(record.id, field)!;
        expect(ref.size).toBe(original.length);
        expect((await buffer(blobs.read(ref.blob))).equals(original), `${object} ${record.id}`).toBe(true);
        bytes += ref.size;
      }
      expect(objectOf(job, object)).toMatchObject({ blobCount: stored.length, blobBytes: bytes });
    }
    const attachments = await snapshotRecords(setup.admin, job.snapshot.id, 'Attachment');
    const refOf = (id: string) => attachments.find((r) => r.id === id)!.fields.Body as { blob: string };
    expect(refOf(first).blob).toBe(refOf(copy).blob);
    // On disk the file is sealed: its bytes appear nowhere in it.
    const onDisk = readFileSync(join(setup.server.dataDir, 'blobs', refOf(first).blob.slice(0, 2), refOf(first).blob));
    expect(onDisk.length).toBe(big.length + 29);
    expect(onDisk.includes(big.subarray(0, 64))).toBe(false);

    // The next full pass keeps the files of unchanged records: record counts, one composite of
    // describes and one page per object, no file downloaded again.
    const again = await backup(setup.admin, setup.instanceId, { objects: ['Attachment', 'ContentVersion'], full: true });
    expect(again.status, again.error).toBe('SUCCEEDED');
    expect(again.apiCalls).toBe(4);
    expect(objectOf(again, 'Attachment')).toMatchObject({ blobCount: objectOf(job, 'Attachment').blobCount, blobBytes: objectOf(job, 'Attachment').blobBytes });
  });

  it('catches a change that committed after a backup with a stamp from before it', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const [seenEarlier, lateOne] = data.ids('Contact', { limit: 2 });
    const transactionStart = Date.now() - 30_000;
    // Saved and committed just before the backup, which sees it: the newest stamp the backup reads.
    data.update(seenEarlier, { Title: 'Seen by the first backup' });
    const base = await backup(setup.admin, setup.instanceId, { objects: ['Contact'], full: true });
    expect(base.status).toBe('SUCCEEDED');
    // A long transaction stamped before that save commits only after the backup: taking the next
    // window from the newest stamp seen would miss it.
    data.update(lateOne, { Title: 'Committed late' }, { startedAt: transactionStart });
    const next = await backup(setup.admin, setup.instanceId, { objects: ['Contact'] });
    expect(next.snapshot.incremental).toBe(true);
    const stored = await snapshotRecords(setup.admin, next.snapshot.id, 'Contact');
    expect(stored.find((r) => r.id === lateOne)!.fields.Title).toBe('Committed late');
    expect(stored.find((r) => r.id === seenEarlier)!.fields.Title).toBe('Seen by the first backup');
  });

  it('leaves records purged from the recycle bin out of the next snapshot', async () => {
    const data = setup.emulator.data.PRODUCTION;
    const cases = data.ids('Case');
    const deletedBefore = cases[0];
    data.delete(deletedBefore);
    const base = await backup(setup.admin, setup.instanceId, { objects: ['Case'], full: true });
    const inBase = await snapshotRecords(setup.admin, base.snapshot.id, 'Case');
    expect(inBase.find((r) => r.id === deletedBefore)).toMatchObject({ deleted: true });

    // Deleted and purged between two backups: the first saw it live, the second must not.
    const purgedNow = cases[1];
    data.delete(purgedNow);
    expect(setup.emulator.emptyRecycleBin('PRODUCTION')).toBeGreaterThanOrEqual(2);
    const next = await backup(setup.admin, setup.instanceId, { objects: ['Case'] });
    expect(next.snapshot.incremental).toBe(true);
    const inNext = await snapshotRecords(setup.admin, next.snapshot.id, 'Case');
    expect(inNext.map((r) => r.id)).not.toContain(purgedNow);
    expect(inNext.map((r) => r.id)).not.toContain(deletedBefore);
    const { totalSize } = await salesforce.query('SELECT COUNT() FROM Case');
    expect(objectOf(next, 'Case')).toMatchObject({ recordCount: totalSize, deletedCount: 0 });
    // The base snapshot still reads as the org was then.
    expect((await snapshotRecords(setup.admin, base.snapshot.id, 'Case')).map((r) => r.id)).toContain(purgedNow);

    // Deleted, then aged out of the recycle bin after the backup that saw it deleted.
    const agedOut = cases[2];
    data.delete(agedOut);
    const sawIt = await backup(setup.admin, setup.instanceId, { objects: ['Case'] });
    expect((await snapshotRecords(setup.admin, sawIt.snapshot.id, 'Case')).find((r) => r.id === agedOut)).toMatchObject({ deleted: true });
    expect(setup.emulator.ageRecycleBin(16, 'PRODUCTION')).toBeGreaterThanOrEqual(1);
    const after = await backup(setup.admin, setup.instanceId, { objects: ['Case'] });
    expect((await snapshotRecords(setup.admin, after.snapshot.id, 'Case')).map((r) => r.id)).not.toContain(agedOut);
  });
});
