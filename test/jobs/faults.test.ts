import { afterEach, describe, expect, it } from 'vitest';
import { startConnectedInstance, reauthenticate, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup, isFinished, jobState, START_BACKUP, waitForJob } from '../helpers/operations.ts';
import { waitUntil } from '../helpers/wait.ts';
import { rowsOf } from '../helpers/database-rows.ts';

const FAST_RETRIES = { SALESFORCE_RETRIES: '3', SALESFORCE_RETRY_DELAY_MS: '10' };
const INSTANCE = `query ($id: ID!) { instance(id: $id) { ... on Instance { status tokensUsed tokensRemaining apiUsage { used max } tokens { status } } } }`;

describe('jobs under faults', () => {
  let setup: ConnectedSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  async function startBackup(variables: Record<string, unknown> = {}) {
    const started = (await setup!.admin.query(START_BACKUP, { instanceId: setup!.instanceId, ...variables })).startBackup;
    expect(started.__typename).toBe('Job');
    return started.id as string;
  }

  /** Backs up Account and Contact through every fault set up, each object whole. */
  async function backUpWholeThroughFaults() {
    const job = await backup(setup!.admin, setup!.instanceId, { objects: ['Account', 'Contact'] });
    expect(job.status).toBe('SUCCEEDED');
    expect(setup!.emulator.counters().faultsPending).toBe(0);
    const counts = setup!.emulator.data.PRODUCTION.counts();
    expect(job.snapshot.objects.map((object: { name: string; recordCount: number }) => [object.name, object.recordCount])).toEqual([
      ['Account', counts.Account],
      ['Contact', counts.Contact],
    ]);
    return { job, counts };
  }

  it('pages past 10,000 records in one object and stores exactly what the org holds', async () => {
    // REST pages here: the object stays under the Bulk API 2.0 threshold.
    setup = await startConnectedInstance({ emulator: { records: 10_500 }, env: { BULK_QUERY_THRESHOLD: '100000' } });
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Account'] });
    expect(job.status).toBe('SUCCEEDED');
    expect(job.snapshot.objects).toMatchObject([{ name: 'Account', state: 'COMPLETE', recordCount: 10_500, deletedCount: 0 }]);
    expect(job.progress).toMatchObject({ processed: 10_500, total: 10_500, percent: 100 });
  });

  it('retries 503s in the middle, and fails with Salesforce\'s error once the retries are spent', async () => {
    setup = await startConnectedInstance({ emulator: { records: 5000 }, env: FAST_RETRIES });
    const unavailable = [{ message: 'Server temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }];
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 2, status: 503, body: unavailable });
    const recovered = await backup(setup.admin, setup.instanceId, { objects: ['Account'] });
    expect(recovered.status).toBe('SUCCEEDED');
    expect(recovered.snapshot.objects[0].recordCount).toBe(5000);

    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 10, status: 503, body: unavailable });
    const failed = await backup(setup.admin, setup.instanceId, { objects: ['Account'], full: true });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'SERVER_UNAVAILABLE: Server temporarily unavailable', snapshot: null });
    // The pages stored before the failure went with it, without waiting for a restart.
    expect(await rowsOf(setup.server.app).count('select count(*) as n from snapshots where completed_at is null')).toBe(0);
  });

  it('retries a connection dropped before Salesforce answers, on calls through jsforce and on Bulk API 2.0 results read by fetch', async () => {
    setup = await startConnectedInstance({ emulator: { records: 5000 }, env: { ...FAST_RETRIES, BULK_QUERY_THRESHOLD: '3000' } });
    // A query job's state (jsforce), then its results (fetch).
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/jobs/query/[^/]+$', count: 2, drop: true });
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/jobs/query/[^/]+/results', count: 2, drop: true });
    await backUpWholeThroughFaults();
  });

  it('reads a Bulk API 2.0 result page cut off part way again, past the records already stored, each record once', async () => {
    setup = await startConnectedInstance({ emulator: { records: 12_000 }, env: { ...FAST_RETRIES, BULK_QUERY_THRESHOLD: '3000' } });
    setup.emulator.configureBulkJobs({ pageRecords: 5000 });
    // Each object's first page is cut off after 2 MB of its ~3 MB: records already read from it
    // are stored before the cut.
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/jobs/query/[^/]+/results$', count: 2, apply: true, cutAfterBytes: 2_000_000 });
    const { job, counts } = await backUpWholeThroughFaults();
    // Read once each: a record read twice would count twice.
    expect(job.progress.processed).toBe(counts.Account + counts.Contact);
  });

  it('retries REQUEST_LIMIT_EXCEEDED on writes too, then fails with it', async () => {
    setup = await startConnectedInstance({ emulator: { records: 50 }, env: FAST_RETRIES });
    const snapshotId = (await backup(setup.admin, setup.instanceId, { objects: ['Account'] })).snapshot.id;
    const limit = [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }];
    const data = setup.emulator.data.PRODUCTION;
    for (const id of data.ids('Account')) data.update(id, { Name: `Edited ${id}` }); // so the restore has updates to send
    setup.emulator.failNext({ method: 'PATCH', path: '/services/data/v62.0/composite/sobjects', count: 10, status: 403, body: limit });
    const started = (
      await setup.admin.query(`mutation ($id: ID!) { startRestore(snapshotId: $id, objects: ["Account"]) { ... on Job { id } } }`, { id: snapshotId })
    ).startRestore;
    const job = await waitForJob(setup.admin, started.id);
    expect(job).toMatchObject({ status: 'FAILED', error: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.' });
  });

  it('stops cleanly before the org passes the API budget', async () => {
    setup = await startConnectedInstance({ emulator: { records: 5000 }, env: { API_BUDGET_PERCENT: '50' } });
    setup.emulator.setDailyApiLimit(20, 8);
    const job = await backup(setup.admin, setup.instanceId);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatch(/^Stopped to stay within the API budget: 10 of 20 daily API calls used \(budget 50 %\)$/);
    const instance = (await setup.admin.query(INSTANCE, { id: setup.instanceId })).instance;
    expect(instance.apiUsage).toEqual({ used: 10, max: 20 });
  });

  it('goes on when the access token expires mid-job (jsforce refreshes), without using another token', async () => {
    setup = await startConnectedInstance({ emulator: { records: 6000 } });
    holdFirstQuery();
    const jobId = await startBackup({ objects: ['Account', 'Contact'] });
    await untilQueryHeld();
    const refreshesBefore = setup.emulator.counters().refreshGrants;
    setup.emulator.expireAccessTokens();
    const job = await waitForJob(setup.admin, jobId);
    expect(job.status).toBe('SUCCEEDED');
    expect(setup.emulator.counters().refreshGrants).toBe(refreshesBefore + 1);
    const instance = (await setup.admin.query(INSTANCE, { id: setup.instanceId })).instance;
    expect(instance).toMatchObject({ status: 'CONNECTED', tokensUsed: 1, tokensRemaining: 4 });
  });

  it('retries the token endpoint when it is briefly unavailable during a mid-job refresh', async () => {
    setup = await startConnectedInstance({ emulator: { records: 6000 }, env: FAST_RETRIES });
    holdFirstQuery();
    const jobId = await startBackup({ objects: ['Account', 'Contact'] });
    await untilQueryHeld();
    const refreshesBefore = setup.emulator.counters().refreshGrants;
    setup.emulator.failNext({ method: 'POST', path: '/services/oauth2/token', count: 2, status: 503, body: '<html>Service unavailable</html>' });
    setup.emulator.expireAccessTokens();
    const job = await waitForJob(setup.admin, jobId);
    expect(job.status, job.error).toBe('SUCCEEDED');
    expect(setup.emulator.counters().refreshGrants).toBe(refreshesBefore + 1);
  });

  it('fails with expired access/refresh token when the grant is revoked mid-job, and the instance needs reauthentication', async () => {
    setup = await startConnectedInstance({ emulator: { records: 6000 } });
    holdFirstQuery();
    const jobId = await startBackup({ objects: ['Account', 'Contact'] });
    await untilQueryHeld();
    setup.emulator.revokeAllTokens(setup.credentials.username);
    const job = await waitForJob(setup.admin, jobId);
    expect(job).toMatchObject({ status: 'FAILED', error: 'expired access/refresh token', snapshot: null });
    const instance = (await setup.admin.query(INSTANCE, { id: setup.instanceId })).instance;
    expect(instance.status).toBe('REAUTH_REQUIRED');
    expect(instance.tokens.map((t: { status: string }) => t.status)).toEqual(['USED', 'EXPIRED', 'EXPIRED', 'EXPIRED', 'EXPIRED']);
  });

  it('lets jobs on the previous grant finish after a reauthentication, then revokes that grant', async () => {
    // A 503 on the second page holds the job in a three-second retry pause: the reauthentication
    // happens while it still runs on the old grant.
    setup = await startConnectedInstance({ emulator: { records: 6000 }, env: { SALESFORCE_RETRY_DELAY_MS: '3000' } });
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const jobId = await startBackup({ objects: ['Account', 'Contact'] });
    await waitForProgress(jobId);
    expect(setup.emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(1);
    const result = await reauthenticate(setup.admin, setup.instanceId, setup.credentials);
    expect(result.status).toBe(200);
    expect(setup.emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(2);
    expect((await jobState(setup.admin, jobId)).status).toBe('RUNNING');
    const job = await waitForJob(setup.admin, jobId);
    expect(job.status).toBe('SUCCEEDED');
    const instance = (await setup.admin.query(INSTANCE, { id: setup.instanceId })).instance;
    expect(instance).toMatchObject({ status: 'CONNECTED', tokensRemaining: 5 });
    // The superseded approval is given back once its job is done.
    expect(setup.emulator.counters().orgs.PRODUCTION.approvalsHeld).toBe(1);
  });

  it('cancels a running job within seconds and a queued one at once', async () => {
    // A 503 on the second page holds the running job in a three-second retry pause, so it cannot
    // finish before the cancel arrives however fast the machine is; the cancel cuts the pause short.
    setup = await startConnectedInstance({ emulator: { records: 6000 }, env: { SALESFORCE_RETRY_DELAY_MS: '3000' } });
    setup.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query/', count: 1, status: 503 });
    const running = await startBackup({ objects: ['Account', 'Contact'] });
    const queued = await startBackup({ objects: ['Account'] }); // one job per instance: this one waits
    await waitForProgress(running);
    expect((await jobState(setup.admin, queued)).status).toBe('QUEUED');
    const cancel = `mutation ($id: ID!) { cancelJob(id: $id) { __typename ... on Job { status } ... on Error { message } } }`;
    expect((await setup.admin.query(cancel, { id: queued })).cancelJob).toEqual({ __typename: 'Job', status: 'CANCELLED' });
    await setup.admin.query(cancel, { id: running });
    const job = await waitForJob(setup.admin, running, 10_000);
    expect(job).toMatchObject({ status: 'CANCELLED', snapshot: null });
    const again = (await setup.admin.query(cancel, { id: running })).cancelJob;
    expect(again).toMatchObject({ __typename: 'InvalidInput', message: 'The job is already cancelled' });
  });

  /**
   * The job's first query is carried out but its answer held back for a second: what the test
   * does meanwhile happens mid-job, with the job's other requests still to come, however fast
   * the machine.
   */
  function holdFirstQuery() {
    setup!.emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query', apply: true, holdMs: 1000 });
  }
  const untilQueryHeld = () => waitUntil(() => setup!.emulator.counters().faultsPending === 0, 'the first query to be held');

  async function waitForProgress(jobId: string) {
    await waitUntil(async () => {
      const job = await jobState(setup!.admin, jobId);
      if (isFinished(job.status)) throw new Error(`Job ended early: ${JSON.stringify(job)}`);
      return job.progress.processed > 0;
    }, `job ${jobId} to store a page`);
  }
});
