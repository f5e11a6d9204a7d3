import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const approval = { refreshTokenCiphertext: 'sealed', instanceUrl: 'https://org.example', salesforceOrgId: '00D000000000001', salesforceUserId: 'user', username: 'user@example.com' };

/** What disconnecting and deleting read and write, on each engine. */
describe.each(ENGINES)('removals on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(3);
  });
  afterEach(() => database.close());

  it('tells when any of the instances has a job queued or running', async () => {
    const idle = await database.addInstance(3, instance.organisationId);
    expect(await database.removals.busy([])).toBe(false);
    expect(await database.removals.busy([instance.id, idle.id])).toBe(false);
    const job = await database.queueJob(instance, new Date());
    expect(await database.removals.busy([idle.id, instance.id])).toBe(true);
    expect(await database.removals.busy([idle.id])).toBe(false);
    await database.claims.claimNext({ owner: 'test', expiresAt: new Date(Date.now() + 60_000) });
    await database.claims.finish(job.id, 'test', { status: 'SUCCEEDED' });
    expect(await database.removals.busy([instance.id])).toBe(false);
  });

  it('disconnects: the live grants are listed, the available tokens revoked, the instance left without a grant', async () => {
    await database.ledger.issueGrant(instance.id, approval, new Date());
    const second = (await database.ledger.issueGrant(instance.id, approval, new Date()))!;
    await database.ledger.markRevoked(second.previousGrantId!);
    const live = await database.removals.liveGrants(instance.id);
    expect(live.map((grant) => grant.id)).toEqual([second.instance.currentGrantId]);

    const reservation = await database.ledger.reserve(instance.id, randomUUID());
    expect(reservation).not.toHaveProperty('refused');
    const disconnected = await database.removals.disconnect(instance.id);
    expect(disconnected).toMatchObject({ id: instance.id, status: 'NOT_CONNECTED', currentGrantId: null });
    expect(await database.ledger.reserve(instance.id, randomUUID())).toHaveProperty('refused');
    expect(await database.removals.disconnect(randomUUID())).toBeUndefined();
  });

  it("lists an organisation's instances and keys, and deletes an instance with what cascades from it", async () => {
    const sibling = await database.addInstance(3, instance.organisationId);
    await database.addInstance(3);
    expect((await database.removals.instancesOf(instance.organisationId)).map((row) => row.id).sort()).toEqual([instance.id, sibling.id].sort());
    expect(await database.removals.apiKeyIdsOf(instance.organisationId)).toEqual([]);

    const job = await database.queueJob(instance, new Date());
    const snapshotId = randomUUID();
    const record = { object: 'Account', recordId: 'A', hash: 'a1', data: '{}' };
    await database.storeSnapshot({ id: snapshotId, jobId: job.id, instanceId: instance.id, baseSnapshotId: null, sequence: 1, createdAt: new Date(), completedAt: new Date() }, [record]);
    await database.removals.deleteInstance(instance.id);
    await database.removals.deleteInstance(instance.id);
    expect(await database.instance(instance.id)).toBeUndefined();
    expect(await database.snapshotIds()).toEqual([]);
    expect(await database.snapshotRecords(snapshotId)).toEqual([]);
    expect(await database.instance(sibling.id)).toMatchObject({ id: sibling.id });
  });
});
