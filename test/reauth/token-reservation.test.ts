import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client.ts';
import type { InstanceRow } from '../../db/schema.ts';
import { sqliteTokenLedger } from '../../db/sqlite/token-ledger.ts';
import { sqliteOrganisationStore } from '../../db/sqlite/organisation-store.ts';
import { sqliteInstanceStore } from '../../db/sqlite/instance-store.ts';
import type { TokenReservation } from '../../db/token-ledger.ts';
import { InstanceNotConnectedError, NotFoundError, TokenExpiredError } from '../../src/errors.ts';
import { createEventBus } from '../../src/events.ts';
import { createAnnouncements } from '../../src/services/announcements.ts';
import { createInstanceService } from '../../src/services/instances.ts';
import { createOrganisationService } from '../../src/services/organisations.ts';
import { createTokenService } from '../../src/services/tokens.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const AUTHORIZED = { accessToken: 'access', refreshToken: 'refresh', instanceUrl: 'https://org.example', salesforceOrgId: '00D', salesforceUserId: '005', username: 'u@example.com' };
const GRANT = { refreshTokenCiphertext: 'sealed', instanceUrl: 'https://org.example', salesforceOrgId: '00D', salesforceUserId: '005', username: 'u@example.com' };
const LIMIT = 5;

const reserved = (result: Awaited<ReturnType<TestDatabase['ledger']['reserve']>>): TokenReservation => {
  if ('refused' in result) throw new Error(`refused: ${result.refused}`);
  return result;
};

/** The token rule on each database engine, without a server: each job start takes one token. */
describe.each(ENGINES)('token reservation on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(LIMIT);
    await database.ledger.issueGrant(instance.id, GRANT, new Date());
  });
  afterEach(() => database.close());

  const status = async () => (await database.instance(instance.id))?.status;
  const reserve = async (jobId: string) => reserved(await database.ledger.reserve(instance.id, jobId));

  it('gives each job its own token in order, and the last one asks for reauthentication', async () => {
    const taken = [];
    for (let i = 0; i < LIMIT; i++) taken.push(await reserve(`job-${i}`));
    expect(taken.map((r) => r.token.position)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(taken.map((r) => r.token.id)).size).toBe(LIMIT);
    expect(taken.map((r) => r.exhausted)).toEqual([false, false, false, false, true]);
    expect(taken.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(await status()).toBe('REAUTH_REQUIRED');
    expect(await database.ledger.reserve(instance.id, 'job-6')).toEqual({ refused: 'NO_TOKEN_LEFT', tokenLimit: LIMIT, used: LIMIT });
  });

  it('refuses an instance that does not exist or was never connected', async () => {
    expect(await database.ledger.reserve('missing', 'job')).toEqual({ refused: 'NO_INSTANCE' });
    const unconnected = await database.addInstance(LIMIT);
    expect(await database.ledger.reserve(unconnected.id, 'job')).toEqual({ refused: 'NOT_CONNECTED' });
    expect(await database.ledger.issueGrant('missing', GRANT, new Date())).toBeUndefined();
  });

  it('takes a released token again, and reconnects an instance its release un-exhausts', async () => {
    let last!: TokenReservation;
    for (let i = 0; i < LIMIT; i++) last = await reserve(`job-${i}`);
    expect((await database.ledger.release(last)).status).toBe('CONNECTED');
    expect(await status()).toBe('CONNECTED');
    expect((await reserve('again')).token.position).toBe(4);
  });

  it('expires the unused tokens when Salesforce refuses the grant, once', async () => {
    const reservation = await reserve('job-0');
    expect((await database.ledger.reject(reservation.grant.id)).exhaustedNow).toBe(true);
    expect((await database.ledger.reject(reservation.grant.id)).exhaustedNow).toBe(false);
    expect(await status()).toBe('REAUTH_REQUIRED');
    expect(await database.ledger.reserve(instance.id, 'job-1')).toEqual({ refused: 'NO_TOKEN_LEFT', tokenLimit: LIMIT, used: 1 });
  });

  it("leaves the current grant alone when Salesforce refuses an older one", async () => {
    const old = await reserve('job-0');
    await database.ledger.issueGrant(instance.id, GRANT, new Date());
    expect(await database.ledger.reject(old.grant.id)).toMatchObject({ exhaustedNow: false, instance: { status: 'CONNECTED' } });
    expect((await reserve('job-1')).token.position).toBe(0);
  });

  it('starts over with a fresh set on reauthentication, revoking what the old grant had left', async () => {
    const first = await reserve('job-0');
    const issued = await database.ledger.issueGrant(instance.id, GRANT, new Date());
    expect(issued?.previousGrantId).toBe(first.grant.id);
    expect(issued?.instance).toMatchObject({ status: 'CONNECTED', currentGrantId: expect.not.stringMatching(first.grant.id) });
    const next = await reserve('job-1');
    expect(next.token.position).toBe(0);
    expect(next.grant.id).not.toBe(first.grant.id);
  });

  it('keeps a rotated refresh token, warns of low tokens once, and lets one caller revoke a grant', async () => {
    const { grant } = await reserve('job-0');
    await database.ledger.rotate(grant.id, 'sealed-rotated');
    expect((await reserve('job-1')).grant.refreshTokenCiphertext).toBe('sealed-rotated');

    const other = await database.connectAgain();
    expect(await Promise.all([database.ledger.flagTokensLow(grant.id), other.ledger.flagTokensLow(grant.id)])).toEqual(expect.arrayContaining([true, false]));
    expect(await database.ledger.flagTokensLow(grant.id)).toBe(false);
    expect(await Promise.all([database.ledger.markRevoked(grant.id), other.ledger.markRevoked(grant.id)])).toEqual(expect.arrayContaining([true, false]));
    expect((await reserve('job-2')).grant.revokedAt).toBeInstanceOf(Date);
  });

  it('queues exactly the limit of jobs from twenty starts at once on two connections', async () => {
    const other = await database.connectAgain();
    // A start as the job starter makes it: a token, then the job queued with it.
    const start = async (connection: typeof other, jobId: string) => {
      const result = await connection.ledger.reserve(instance.id, jobId);
      if (!('refused' in result)) {
        await connection.claims.enqueue({ id: jobId, organisationId: instance.organisationId, instanceId: instance.id, kind: 'BACKUP', grantId: result.grant.id, tokenId: result.token.id, queuedAt: new Date() });
      }
      return result;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => start(i % 2 === 0 ? database : other, `job-${i}`)));
    const taken = results.filter((result): result is TokenReservation => !('refused' in result));
    expect(taken).toHaveLength(LIMIT);
    expect(new Set(taken.map((r) => r.token.id)).size).toBe(LIMIT);
    expect(taken.filter((r) => r.exhausted)).toHaveLength(1);
    expect(results.filter((result) => 'refused' in result)).toEqual(Array(15).fill({ refused: 'NO_TOKEN_LEFT', tokenLimit: LIMIT, used: LIMIT }));
    expect(await status()).toBe('REAUTH_REQUIRED');
    const queued = await Promise.all(taken.map((reservation) => database.job(reservation.token.jobId!)));
    expect(queued.map((job) => job.tokenId)).toEqual(taken.map((reservation) => reservation.token.id));
  });
});

describe('token service', () => {
  let dir: string;
  let database: DatabaseHandle;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sfbackup-tokens-'));
    database = openDatabase(join(dir, 'backup.db'));
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("turns the ledger's refusals into the errors the API answers with", async () => {
    const announce = createAnnouncements(createEventBus());
    const organisation = await createOrganisationService(sqliteOrganisationStore(database.db), announce).create('Acme');
    const config = { tokenLimit: LIMIT, salesforce: { loginUrls: { PRODUCTION: 'https://login.example', SANDBOX: 'https://test.example' } } };
    const instances = createInstanceService(sqliteInstanceStore(database.db), announce, config);
    const instanceId = (await instances.add({ kind: 'operator' }, organisation.id, 'PRODUCTION', 'Production')).id;
    const tokens = createTokenService(sqliteTokenLedger(database.db), Buffer.alloc(32, 7));

    await expect(tokens.reserve('missing', 'job')).rejects.toBeInstanceOf(NotFoundError);
    await expect(tokens.reserve(instanceId, 'job')).rejects.toBeInstanceOf(InstanceNotConnectedError);
    await tokens.issueGrant(instanceId, AUTHORIZED);
    for (let i = 0; i < LIMIT; i++) await tokens.reserve(instanceId, `job-${i}`);
    const refused = await tokens.reserve(instanceId, 'job-6').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenExpiredError);
    expect(refused).toMatchObject({ reason: 'LIMIT_REACHED', tokensUsed: LIMIT, tokenLimit: LIMIT });
    expect(tokens.refreshTokenOf((await tokens.grant((await instances.get({ kind: 'operator' }, instanceId)).currentGrantId!))!)).toBe(AUTHORIZED.refreshToken);
  });
});
