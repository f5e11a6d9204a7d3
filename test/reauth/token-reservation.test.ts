import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client.ts';
import { TokenExpiredError } from '../../src/errors.ts';
import { createEventBus } from '../../src/events.ts';
import { createAnnouncements } from '../../src/services/announcements.ts';
import { createInstanceService, instanceById } from '../../src/services/instances.ts';
import { createOrganisationService } from '../../src/services/organisations.ts';
import { createTokenService, type TokenService } from '../../src/services/tokens.ts';

const AUTHORIZED = { accessToken: 'access', refreshToken: 'refresh', instanceUrl: 'https://org.example', salesforceOrgId: '00D', salesforceUserId: '005', username: 'u@example.com' };
const LIMIT = 5;

/** The token rules on a real SQLite file, without a server: each job start takes one token. */
describe('token reservation', () => {
  let dir: string;
  let database: DatabaseHandle;
  let tokens: TokenService;
  let instanceId: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sfbackup-tokens-'));
    database = openDatabase(join(dir, 'backup.db'));
    const announce = createAnnouncements(createEventBus());
    const organisation = createOrganisationService(database.db, announce).create('Acme');
    const config = { tokenLimit: LIMIT, salesforce: { loginUrls: { PRODUCTION: 'https://login.example', SANDBOX: 'https://test.example' } } };
    const instances = createInstanceService(database.db, announce, config);
    instanceId = instances.add({ kind: 'operator' }, organisation.id, 'PRODUCTION', 'Production').id;
    tokens = createTokenService(database.db, Buffer.alloc(32, 7));
    tokens.issueGrant(instanceId, AUTHORIZED);
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = () => instanceById(database.db, instanceId)!.status;

  it('gives each job its own token in order, and the last one asks for reauthentication', () => {
    const reserved = Array.from({ length: LIMIT }, (_, i) => tokens.reserve(instanceId, `job-${i}`));
    expect(reserved.map((r) => r.token.position)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(reserved.map((r) => r.token.id)).size).toBe(LIMIT);
    expect(reserved.map((r) => r.exhausted)).toEqual([false, false, false, false, true]);
    expect(status()).toBe('REAUTH_REQUIRED');

    const refused = (() => {
      try {
        tokens.reserve(instanceId, 'job-6');
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(TokenExpiredError);
    expect(refused).toMatchObject({ reason: 'LIMIT_REACHED', tokensUsed: LIMIT, tokenLimit: LIMIT });
  });

  it('takes a released token again, and reconnects an instance its release un-exhausts', () => {
    const reservations = Array.from({ length: LIMIT }, (_, i) => tokens.reserve(instanceId, `job-${i}`));
    tokens.release(reservations.at(-1)!);
    expect(status()).toBe('CONNECTED');
    expect(tokens.reserve(instanceId, 'again').token.position).toBe(4);
  });

  it('expires the unused tokens when Salesforce refuses the grant, once', () => {
    const reservation = tokens.reserve(instanceId, 'job-0');
    expect(tokens.reject(reservation.grant.id).exhaustedNow).toBe(true);
    expect(tokens.reject(reservation.grant.id).exhaustedNow).toBe(false);
    expect(status()).toBe('REAUTH_REQUIRED');
    expect(() => tokens.reserve(instanceId, 'job-1')).toThrow(expect.objectContaining({ reason: 'REVOKED_BY_SALESFORCE' }));
  });

  it('starts over with a fresh set on reauthentication, revoking what the old grant had left', () => {
    tokens.reserve(instanceId, 'job-0');
    const { previousGrantId } = tokens.issueGrant(instanceId, AUTHORIZED);
    expect(previousGrantId).toBeTruthy();
    expect(tokens.reserve(instanceId, 'job-1').token.position).toBe(0);
    expect(status()).toBe('CONNECTED');
  });
});
