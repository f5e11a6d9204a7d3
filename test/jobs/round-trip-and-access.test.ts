import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { CANCEL_JOB, isFinished, runJob, snapshotRecords, START_BACKUP, START_RESTORE, waitForJob } from '../helpers/operations.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Invoice__c'];

const JOB = `query ($id: ID!) {
  job(id: $id) {
    __typename
    ... on Job { id status error apiCalls progress { processed failed total percent } snapshot { id recordCount objects { name recordCount } } restoreSummary { undeleted created updated unchanged } }
    ... on Error { message }
  }
}`;
const JOB_UPDATED = `subscription { jobUpdated { id kind status apiCalls progress { processed failed total } } }`;
const SNAPSHOT = `query ($id: ID!) { snapshot(id: $id) { __typename ... on Snapshot { id recordCount } ... on Error { message } } }`;
const SNAPSHOTS = `query ($id: ID!, $after: String) {
  instance(id: $id) { ... on Instance { snapshots(first: 1, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } }
}`;
const FAILURES = `query ($id: ID!, $after: String) {
  job(id: $id) { ... on Job { failures(first: 1, after: $after) { nodes { object recordId statusCode message } pageInfo { endCursor hasNextPage } } } }
}`;
const TOKENS = `query ($id: ID!) { instance(id: $id) { ... on Instance { tokensUsed } } }`;



// Fields Salesforce sets itself (ids, audit stamps, auto numbers): not restored, so not compared.
const SYSTEM = new Set(['attributes', 'Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);
const AUTO_NUMBER = new Set(['Invoice__c.Name', 'Case.CaseNumber']);
const LOOKUPS = new Set(['AccountId', 'ContactId', 'Account__c']);

/**
 * What a record says, independent of ids: its own values, with each lookup replaced by what its
 * parent says. Two orgs (or one org before and after a restore) hold the same data when these
 * multisets are equal, whatever ids re-created records got.
 */
function signatures(object: string, records: Record<string, unknown>[], byId: (id: string) => Record<string, unknown> | undefined, depth = 0): string[] {
  return records
    .map((record) => {
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(record).sort(([a], [b]) => a.localeCompare(b))) {
        if (SYSTEM.has(name) || AUTO_NUMBER.has(`${object}.${name}`)) continue;
        if (LOOKUPS.has(name)) {
          const parent = typeof value === 'string' ? byId(value) : undefined;
          out[name] = value === null ? null : depth < 2 && parent ? signatures(parent.attributes as string, [parent], byId, depth + 1)[0] : 'dangling';
        } else out[name] = value;
      }
      return JSON.stringify(out);
    })
    .sort();
}

describe('jobs through the API: live progress, a full round trip, access and paging', () => {
  let setup: ConnectedSetup;
  let viewer: GraphQLClient;
  let stranger: GraphQLClient;

  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 60 }, env: { TOKEN_LIMIT: '20' } });
    const key = await setup.admin.query(
      `mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "viewer") { ... on ApiKeyCreated { secret } } }`,
      { organisationId: setup.organisationId },
    );
    viewer = setup.server.client(key.createApiKey.secret);
    stranger = (await createOrganisationWithKey(setup.server.operator, 'Globex')).client;
  });
  afterAll(() => setup.close());

  it('restores a whole snapshot so the org holds exactly its records again, deleted Accounts with their children re-linked', async () => {
    const { admin, instanceId, emulator } = setup;
    const data = emulator.data.PRODUCTION;
    const backup = await runJob(admin, START_BACKUP, { instanceId });
    expect(backup.status).toBe('SUCCEEDED');
    const snapshotId = backup.snapshot.id;

    // The snapshot, read back through the API, is what the org held.
    const liveNow = (object: string): Record<string, unknown>[] => data.ids(object).map((id) => ({ ...data.get(id)!, attributes: object }));
    const lookup = (id: string) => {
      const record = data.get(id);
      return record && { ...record, attributes: (record.attributes as { type: string }).type };
    };
    const stored = new Map<string, Record<string, unknown>[]>();
    for (const object of OBJECTS) {
      const records = await snapshotRecords(admin, snapshotId, object, 40);
      expect(records.every((r) => !r.deleted)).toBe(true);
      stored.set(object, records.map((r) => ({ ...r.fields, attributes: object })));
      expect(new Set(records.map((r) => r.id)).size, `${object} pages hold no duplicates`).toBe(records.length);
      expect(signatures(object, stored.get(object)!, lookup), object).toEqual(signatures(object, liveNow(object), lookup));
    }
    const storedById = new Map([...stored.values()].flat().map((r) => [r.Id as string, r]));

    // A user's bad day: edits, and two Accounts deleted with everything that cascades from them.
    const accounts = data.ids('Account');
    data.update(accounts[5], { Name: 'Renamed by mistake', Phone: null });
    data.update(data.ids('Contact')[7], { Title: 'Changed by mistake' });
    data.update(data.ids('Invoice__c')[3], { Amount__c: 0.01 });
    const deleted = [accounts[0], accounts[1]];
    const children = ['Contact', 'Opportunity', 'Case'].flatMap((object) =>
      data.ids(object).filter((id) => deleted.includes(data.get(id)!.AccountId as string)),
    );
    expect(children.length).toBeGreaterThan(0);
    deleted.forEach((id) => data.delete(id));
    expect(data.get(deleted[0])!.IsDeleted).toBe(true);

    const restore = await runJob(admin, START_RESTORE, { snapshotId });
    expect(restore).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(restore.progress).toMatchObject({ failed: 0, percent: 100 });
    expect(restore.apiCalls).toBeGreaterThan(0);

    // Back to the snapshot: the same records, values and parent links, object by object.
    for (const object of OBJECTS) {
      expect(data.counts()[object], object).toBe(stored.get(object)!.length);
      const snapshotById = (id: string) => storedById.get(id);
      expect(signatures(object, liveNow(object), lookup), object).toEqual(signatures(object, stored.get(object)!, snapshotById));
    }
    // The deleted Accounts came back from the recycle bin under their own ids, their children with them.
    for (const id of deleted) expect(data.get(id)!.IsDeleted).toBe(false);
    for (const id of children) expect(deleted).toContain(data.get(id)!.AccountId);
    expect(restore.restoreSummary).toMatchObject({ undeleted: 2, created: 0 });
  });

  it('pushes progress over graphql-ws as pages arrive and on every status change, to its organisation only', async () => {
    const { admin, instanceId, emulator } = setup;
    const data = emulator.data.PRODUCTION;
    const account = data.ids('Account', { limit: 1 })[0];
    for (let i = 0; i < 6000; i++) data.insert('Invoice__c', { Account__c: account, Amount__c: i });

    const socket = admin.ws();
    const strangerSocket = stranger.ws();
    const events = admin.subscribeWs(socket, JOB_UPDATED);
    const strangerEvents = stranger.subscribeWs(strangerSocket, JOB_UPDATED);
    await Promise.all([events.opening(), strangerEvents.opening()]);
    // Each page takes longer than the progress throttle, so every page is pushed.
    emulator.setLatency(400);
    const started = (await admin.query(START_BACKUP, { instanceId, objects: ['Invoice__c'], full: true })).startBackup;
    const mine = () => events.values.map((v) => v.data!.jobUpdated).filter((job) => job.id === started.id);
    await events.until(() => mine().some((job) => isFinished(job.status)), 'the backup to end', 60_000);
    emulator.setLatency(0);

    const updates = mine();
    const statuses = updates.map((job) => job.status).filter((status, i, all) => status !== all[i - 1]);
    expect(statuses).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    const total = data.counts().Invoice__c;
    const processed = updates.map((job) => job.progress.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    const partial = updates.filter((job) => job.progress.processed > 0 && job.progress.processed < total);
    expect(partial.length).toBeGreaterThanOrEqual(2);
    expect(updates.at(-1)).toMatchObject({ kind: 'BACKUP', progress: { processed: total, total, failed: 0 } });
    // Throttled: a handful of pushes for thousands of records.
    expect(updates.length).toBeLessThan(15);
    const final = (await admin.query(JOB, { id: started.id })).job;
    expect(updates.at(-1)!.apiCalls).toBe(final.apiCalls);
    expect(final.apiCalls).toBeGreaterThanOrEqual(4);

    expect(strangerEvents.values).toEqual([]);
    await Promise.all([socket.dispose(), strangerSocket.dispose()]);
  });

  it('fails a backup whose pages end before the totalSize Salesforce announced, keeping no snapshot', async () => {
    const { admin, instanceId, emulator } = setup;
    const total = emulator.data.PRODUCTION.counts().Invoice__c;
    expect(total).toBeGreaterThan(2000); // more than one page
    const snapshotsBefore = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes;
    // The second page claims to be the last and holds nothing: a silently truncated result.
    emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 200, body: { totalSize: total, done: true, records: [] } });
    const job = await runJob(admin, START_BACKUP, { instanceId, objects: ['Invoice__c'], full: true });
    expect(job).toMatchObject({ status: 'FAILED', snapshot: null });
    expect(job.error).toContain(`announced ${total} Invoice__c records but returned 2000`);
    expect((await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes).toEqual(snapshotsBefore);
  });

  it('cancels a running restore between batches: it stops part-way and ends CANCELLED', async () => {
    const { admin, instanceId, emulator } = setup;
    const snapshotId = (await runJob(admin, START_BACKUP, { instanceId, objects: ['Invoice__c'], full: true })).snapshot.id;
    const socket = admin.ws();
    const events = admin.subscribeWs(socket, JOB_UPDATED);
    await events.opening();
    emulator.setLatency(100); // each 200-record batch takes a while
    const started = (await admin.query(START_RESTORE, { snapshotId })).startRestore;
    const mine = () => events.values.map((v) => v.data!.jobUpdated).filter((job) => job.id === started.id);
    await events.until(() => mine().some((job) => job.progress.processed > 0), 'a written batch', 30_000);
    expect((await admin.query(CANCEL_JOB, { id: started.id })).cancelJob.__typename).toBe('Job');
    await events.until(() => mine().some((job) => isFinished(job.status)), 'the restore to stop', 30_000);
    emulator.setLatency(0);
    await socket.dispose();
    const job = (await admin.query(JOB, { id: started.id })).job;
    expect(job.status).toBe('CANCELLED');
    expect(job.progress.processed).toBeGreaterThan(0);
    expect(job.progress.processed).toBeLessThan(job.progress.total);
  });

  it('lets a VIEWER watch but not start or cancel jobs, and hides snapshots and jobs from other organisations', async () => {
    const { admin, instanceId, server } = setup;
    const tokensUsed = async () => (await admin.query(TOKENS, { id: instanceId })).instance.tokensUsed;
    const jobCount = () => rowsOf(server.app).count('select count(*) as n from jobs');
    const snapshotId = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes[0].id;
    const someJob = (await admin.query(`query ($id: ID!) { instance(id: $id) { ... on Instance { jobs(first: 1) { edges { node { id } } } } } }`, { id: instanceId }))
      .instance.jobs.edges[0].node.id;
    const before = { tokens: await tokensUsed(), jobs: await jobCount() };

    expect((await viewer.query(SNAPSHOT, { id: snapshotId })).snapshot).toMatchObject({ __typename: 'Snapshot', id: snapshotId });
    for (const [mutation, variables] of [
      [START_BACKUP, { instanceId }],
      [START_RESTORE, { snapshotId }],
      [CANCEL_JOB, { id: someJob }],
    ] as const) {
      const refused = await viewer.request(mutation, variables);
      expect(refused.errors?.[0]?.extensions?.code, mutation).toBe('FORBIDDEN');
    }

    expect((await stranger.query(SNAPSHOT, { id: snapshotId })).snapshot.__typename).toBe('NotFound');
    expect((await stranger.query(JOB, { id: someJob })).job.__typename).toBe('NotFound');
    expect((await stranger.query(START_RESTORE, { snapshotId })).startRestore.__typename).toBe('NotFound');
    expect((await stranger.query(CANCEL_JOB, { id: someJob })).cancelJob.__typename).toBe('NotFound');
    expect((await stranger.query(START_BACKUP, { instanceId })).startBackup.__typename).toBe('NotFound');

    expect({ tokens: await tokensUsed(), jobs: await jobCount() }).toEqual(before);
  });

  it('refuses a name or id given twice with InvalidInput, starting nothing', async () => {
    const { admin, instanceId, server } = setup;
    const jobCount = () => rowsOf(server.app).count('select count(*) as n from jobs');
    const before = { tokens: (await admin.query(TOKENS, { id: instanceId })).instance.tokensUsed, jobs: await jobCount() };
    const snapshotId = (await admin.query(SNAPSHOTS, { id: instanceId })).instance.snapshots.nodes[0].id;
    const account = setup.emulator.data.PRODUCTION.ids('Account', { limit: 1 })[0];
    const INVALID = `... on InvalidInput { field values }`;
    const backup = (
      await admin.query(START_BACKUP.replace('... on Error', `${INVALID} ... on Error`), { instanceId, objects: ['Account', 'Contact', 'Account'] })
    ).startBackup;
    expect(backup).toMatchObject({ __typename: 'InvalidInput', field: 'objects', values: ['Account'] });
    const restore = (
      await admin.query(START_RESTORE.replace('... on Error', `${INVALID} ... on Error`), { snapshotId, recordIds: [account, account] })
    ).startRestore;
    expect(restore).toMatchObject({ __typename: 'InvalidInput', field: 'recordIds', values: [account] });
    expect({ tokens: (await admin.query(TOKENS, { id: instanceId })).instance.tokensUsed, jobs: await jobCount() }).toEqual(before);
  });

  it('pages through snapshots newest first and through a restore\'s failures', async () => {
    const { admin, instanceId, emulator } = setup;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { nodes: { id: string }[]; pageInfo: { endCursor: string; hasNextPage: boolean } } = (await admin.query(SNAPSHOTS, { id: instanceId, after }))
        .instance.snapshots;
      expect(page.nodes.length).toBeLessThanOrEqual(1);
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const jobsWithSnapshots = (
      await admin.query(`query ($id: ID!) { instance(id: $id) { ... on Instance { jobs(first: 50) { edges { node { kind status snapshot { id } } } } } } }`, { id: instanceId })
    ).instance.jobs.edges
      .map((e: { node: { kind: string; status: string; snapshot: { id: string } | null } }) => e.node)
      .filter((job: { kind: string }) => job.kind === 'BACKUP');
    // Jobs come newest first too: the same snapshots in the same order.
    expect(seen).toEqual(jobsWithSnapshots.filter((j: { status: string }) => j.status === 'SUCCEEDED').map((j: { snapshot: { id: string } }) => j.snapshot.id));
    expect(seen.length).toBeGreaterThanOrEqual(2);

    // Contacts whose Account is gone for good (not restored with them) are refused one by one.
    const data = emulator.data.PRODUCTION;
    const snapshotId = seen.at(-1)!; // the first, full snapshot
    const inSnapshot = new Set((await snapshotRecords(admin, snapshotId, 'Contact', 40)).map((r) => r.id));
    const contactsOf = (account: string) => data.ids('Contact').filter((c) => data.get(c)!.AccountId === account);
    const account = data.ids('Account').find((id) => contactsOf(id).length >= 2 && contactsOf(id).every((c) => inSnapshot.has(c)))!;
    const orphans = contactsOf(account);
    data.delete(account);
    const restore = await runJob(admin, START_RESTORE, { snapshotId, objects: ['Contact'], recordIds: orphans });
    expect(restore.status).toBe('SUCCEEDED');
    expect(restore.progress.failed).toBe(orphans.length);
    const failures: { object: string; recordId: string; statusCode: string; message: string }[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: { nodes: typeof failures; pageInfo: { endCursor: string; hasNextPage: boolean } } = (await admin.query(FAILURES, { id: restore.id, after: cursor })).job.failures;
      expect(page.nodes.length).toBeLessThanOrEqual(1);
      failures.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      cursor = page.pageInfo.endCursor;
    }
    expect(failures.map((f) => f.recordId).sort()).toEqual([...orphans].sort());
    for (const failure of failures) {
      expect(failure.object).toBe('Contact');
      expect(failure.statusCode).toMatch(/^[A-Z_]+$/);
      expect(failure.message.length).toBeGreaterThan(0);
    }
  });
});

describe('a backup refused for unknown objects', () => {
  it('changes nothing and announces nothing, even on the last token', async () => {
    const setup = await startConnectedInstance({ env: { TOKEN_LIMIT: '1' } });
    try {
      const { admin, instanceId } = setup;
      const socket = admin.ws();
      const exhausted = admin.subscribeWs(socket, `subscription { tokenExhausted { reason } }`);
      const instanceEvents = admin.subscribeWs(socket, `subscription { instanceUpdated { status tokensRemaining } }`);
      await Promise.all([exhausted.opening(), instanceEvents.opening()]);

      const refused = (await admin.query(START_BACKUP, { instanceId, objects: ['Account', 'Nope__c'] })).startBackup;
      expect(refused).toMatchObject({ __typename: 'InvalidInput' });
      const state = (await admin.query(`query ($id: ID!) { instance(id: $id) { ... on Instance { status tokensRemaining } } }`, { id: instanceId })).instance;
      expect(state).toEqual({ status: 'CONNECTED', tokensRemaining: 1 });

      // The next start takes the last token: its events are the first ones the subscribers see.
      const started = (await admin.query(START_BACKUP, { instanceId, objects: ['Account'] })).startBackup;
      expect(started.__typename).toBe('Job');
      await exhausted.until(() => exhausted.values.length > 0, 'the real exhaustion');
      expect(exhausted.values.map((v) => v.data!.tokenExhausted.reason)).toEqual(['LIMIT_REACHED']);
      // Each subscription is its own stream: the instance's event may land just after the exhaustion.
      await instanceEvents.until(() => instanceEvents.values.length > 0, 'the instance event');
      expect(instanceEvents.values[0].data!.instanceUpdated).toEqual({ status: 'REAUTH_REQUIRED', tokensRemaining: 0 });
      await waitForJob(admin, started.id);
      await socket.dispose();
    } finally {
      await setup.close();
    }
  });
});
