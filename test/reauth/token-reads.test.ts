import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../db/schema.ts';
import type { NewGrant } from '../../db/token-ledger.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const approval = (salesforceUserId: string): NewGrant => ({
  refreshTokenCiphertext: 'sealed',
  instanceUrl: 'https://org.example',
  salesforceOrgId: '00D',
  salesforceUserId,
  username: 'user@example.com',
});

/** What is read of tokens and grants, on each engine: current-grant tokens and counts, and the grants Salesforce may still hold. */
describe.each(ENGINES)('token and grant reads on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  async function connected(tokenLimit: number, userId = '005A', at = new Date()): Promise<InstanceRow> {
    const instance = await database.addInstance(tokenLimit);
    return (await database.ledger.issueGrant(instance.id, approval(userId), at))!.instance;
  }

  it("reads the current grant's tokens in order and their counts by status, never a previous grant's", async () => {
    const instance = await database.addInstance(3);
    await database.ledger.issueGrant(instance.id, approval('005A'), new Date());
    const { instance: reconnected } = (await database.ledger.issueGrant(instance.id, approval('005A'), new Date()))!;
    const reserved = await database.ledger.reserve(instance.id, 'job-1');
    if ('refused' in reserved) throw new Error(reserved.refused);
    const other = await connected(2);

    const current = await database.ledger.currentTokens([instance.id, other.id, randomUUID()]);
    const mine = current.filter((token) => token.instanceId === instance.id);
    expect(mine.map((token) => [token.grantId, token.position, token.status])).toEqual([
      [reconnected.currentGrantId, 0, 'USED'],
      [reconnected.currentGrantId, 1, 'AVAILABLE'],
      [reconnected.currentGrantId, 2, 'AVAILABLE'],
    ]);
    expect(mine[0].organisationId).toBe(instance.organisationId);
    expect(current).toHaveLength(5);

    const counts = await database.ledger.currentCounts([instance.id, other.id]);
    expect(counts.filter((row) => row.instanceId === instance.id).sort((a, b) => a.status.localeCompare(b.status))).toEqual([
      { instanceId: instance.id, organisationId: instance.organisationId, status: 'AVAILABLE', count: 2 },
      { instanceId: instance.id, organisationId: instance.organisationId, status: 'USED', count: 1 },
    ]);
    expect(await database.ledger.usedCount(reconnected.currentGrantId!)).toBe(1);

    const ids = [...Array.from({ length: 5000 }, () => randomUUID()), reserved.token.id];
    expect(await database.ledger.tokensByIds(ids)).toEqual([{ token: expect.objectContaining({ id: reserved.token.id, status: 'USED', jobId: 'job-1' }), organisationId: instance.organisationId }]);
  });

  it("reads a grant, notes when Salesforce last accepted it, and lists the user's live grants oldest first", async () => {
    const older = await connected(2, '005U', new Date(Date.UTC(2026, 0, 1)));
    const newer = await connected(2, '005U', new Date(Date.UTC(2026, 0, 2)));
    const revoked = await connected(2, '005U', new Date(Date.UTC(2025, 0, 1)));
    await database.ledger.markRevoked(revoked.currentGrantId!);
    await connected(2, '005V');

    const checkedAt = new Date(Date.UTC(2026, 1, 1, 12));
    await database.ledger.markChecked(older.currentGrantId!, checkedAt);
    expect(await database.ledger.grant(older.currentGrantId!)).toMatchObject({ id: older.currentGrantId, instanceId: older.id, checkedAt, revokedAt: null });
    expect(await database.ledger.grant(randomUUID())).toBeUndefined();

    const live = await database.ledger.liveGrantsOfUser('005U');
    expect(live.map(({ grant, instance }) => [grant.id, instance.id])).toEqual([
      [older.currentGrantId, older.id],
      [newer.currentGrantId, newer.id],
    ]);

    const onLive = (await database.ledger.onLiveGrants()).map((instance) => instance.id);
    expect(onLive).toEqual(expect.arrayContaining([older.id, newer.id]));
    expect(onLive).not.toContain(revoked.id);
    expect(onLive).toHaveLength(3);
  });

  it('says a grant has work under way while a queued job relies on it', async () => {
    const instance = await connected(2);
    expect(await database.jobs.activeOnGrant(instance.currentGrantId!)).toBe(false);
    const job = await database.claims.enqueue({ id: randomUUID(), organisationId: instance.organisationId, instanceId: instance.id, kind: 'BACKUP', grantId: instance.currentGrantId, queuedAt: new Date() });
    expect(await database.jobs.activeOnGrant(instance.currentGrantId!)).toBe(true);
    await database.claims.cancelQueued(job.id);
    expect(await database.jobs.activeOnGrant(instance.currentGrantId!)).toBe(false);
  });
});
