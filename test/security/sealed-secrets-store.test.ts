import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { openPostgres } from '../../db/pg/client.ts';
import * as pgTables from '../../db/pg/schema.ts';
import * as sqliteTables from '../../db/schema.ts';
import { SEALED_COLUMNS } from '../../db/sealed-secrets.ts';
import { decrypt, encrypt, generateSecretKey, parseSecretKey } from '../../src/crypto.ts';
import { rotateSecretKey } from '../../src/secret-rotation.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const previous = parseSecretKey(generateSecretKey());
const current = parseSecretKey(generateSecretKey());

/** The values of every sealed column, by column, as `[table.column, key, value]`. */
type Sealed = [string, string, string][];

interface SealedRows {
  /** Writes one row with each sealed column set to `seal(plaintext)` of its own plaintext; returns the plaintexts by column. */
  write(seal: (plaintext: string) => string): Promise<Map<string, string>>;
  read(): Promise<Sealed>;
  close(): Promise<void>;
}

/** Rows holding sealed values, written and read straight through each engine's tables. */
async function sealedRows(database: TestDatabase): Promise<SealedRows> {
  // Each write seals into rows of an organisation of its own.
  const values = async (seal: (plaintext: string) => string) => {
    const instance = await database.addInstance(5);
    const job = await database.queueJob(instance, new Date());
    const plaintexts = new Map(SEALED_COLUMNS.map(([table, , column]) => [`${table}.${column}`, `${table}.${column} ${randomUUID()}`]));
    const sealedOf = (table: string, column: string) => seal(plaintexts.get(`${table}.${column}`)!);
    return {
      plaintexts,
      organisationKey: { organisationId: instance.organisationId, wrappedKey: sealedOf('organisation_keys', 'wrapped_key') },
      grant: { id: randomUUID(), instanceId: instance.id, refreshTokenCiphertext: sealedOf('grants', 'refresh_token_ciphertext'), issuedAt: new Date() },
      jobId: job.id,
      job: { accessTokenCiphertext: sealedOf('jobs', 'access_token_ciphertext') },
      oauthState: {
        stateHash: randomUUID(),
        instanceId: instance.id,
        organisationId: instance.organisationId,
        codeVerifierCiphertext: sealedOf('oauth_states', 'code_verifier_ciphertext'),
        pendingGrantCiphertext: sealedOf('oauth_states', 'pending_grant_ciphertext'),
        expiresAt: new Date(Date.now() + 60_000),
      },
    };
  };
  const rowsOf = (rows: { organisationKeys: { organisationId: string; wrappedKey: string }[]; grants: { id: string; refreshTokenCiphertext: string }[]; jobs: { id: string; accessTokenCiphertext: string | null }[]; oauthStates: { stateHash: string; codeVerifierCiphertext: string; pendingGrantCiphertext: string | null }[] }): Sealed => [
    ...rows.organisationKeys.map((row): [string, string, string] => ['organisation_keys.wrapped_key', row.organisationId, row.wrappedKey]),
    ...rows.grants.map((row): [string, string, string] => ['grants.refresh_token_ciphertext', row.id, row.refreshTokenCiphertext]),
    ...rows.jobs.flatMap((row): [string, string, string][] => (row.accessTokenCiphertext ? [['jobs.access_token_ciphertext', row.id, row.accessTokenCiphertext]] : [])),
    ...rows.oauthStates.flatMap((row): [string, string, string][] => [
      ['oauth_states.code_verifier_ciphertext', row.stateHash, row.codeVerifierCiphertext],
      ...(row.pendingGrantCiphertext ? [['oauth_states.pending_grant_ciphertext', row.stateHash, row.pendingGrantCiphertext] as [string, string, string]] : []),
    ]),
  ];

  if (database.schema) {
    const handle = await openPostgres(process.env.TEST_DATABASE_URL!, { schema: database.schema });
    const { db } = handle;
    const { organisationKeys, grants, jobs, oauthStates } = pgTables;
    return {
      async write(seal) {
        const made = await values(seal);
        await db.insert(organisationKeys).values(made.organisationKey);
        await db.insert(grants).values(made.grant);
        await db.update(jobs).set(made.job).where(eq(jobs.id, made.jobId));
        await db.insert(oauthStates).values(made.oauthState);
        return made.plaintexts;
      },
      read: async () =>
        rowsOf({
          organisationKeys: await db.select().from(organisationKeys),
          grants: await db.select().from(grants),
          jobs: await db.select().from(jobs),
          oauthStates: await db.select().from(oauthStates),
        }),
      close: () => handle.close(),
    };
  }
  const { db, close } = openDatabase(database.file!);
  const { organisationKeys, grants, jobs, oauthStates } = sqliteTables;
  return {
    async write(seal) {
      const made = await values(seal);
      db.insert(organisationKeys).values(made.organisationKey).run();
      db.insert(grants).values(made.grant).run();
      db.update(jobs).set(made.job).where(eq(jobs.id, made.jobId)).run();
      db.insert(oauthStates).values(made.oauthState).run();
      return made.plaintexts;
    },
    read: () =>
      Promise.resolve(
        rowsOf({
          organisationKeys: db.select().from(organisationKeys).all(),
          grants: db.select().from(grants).all(),
          jobs: db.select().from(jobs).all(),
          oauthStates: db.select().from(oauthStates).all(),
        }),
      ),
    close: () => Promise.resolve(close()),
  };
}

/** Re-sealing on each engine: every sealed column, only what the previous key sealed, all or nothing. */
describe.each(ENGINES)('re-sealing secrets on $name', (engine) => {
  let database: TestDatabase;
  let rows: SealedRows;

  beforeEach(async () => {
    database = await engine.open();
    rows = await sealedRows(database);
  });
  afterEach(async () => {
    await rows.close();
    await database.close();
  });

  it('re-seals every value the previous key sealed, in every sealed column, and leaves the current key’s', async () => {
    const old = await rows.write((plaintext) => encrypt(previous, plaintext));
    const fresh = await rows.write((plaintext) => encrypt(current, plaintext));
    const before = new Map((await rows.read()).map(([column, key, value]) => [`${column} ${key}`, value]));

    expect(await rotateSecretKey(database.sealedSecrets, previous, current)).toBe(SEALED_COLUMNS.length);

    const after = await rows.read();
    expect(after).toHaveLength(SEALED_COLUMNS.length * 2);
    const opened = after.map(([column, key, value]) => ({ column, plaintext: decrypt(current, value), unchanged: before.get(`${column} ${key}`) === value }));
    for (const [column, plaintext] of old) expect(opened).toContainEqual({ column, plaintext, unchanged: false });
    for (const [column, plaintext] of fresh) expect(opened).toContainEqual({ column, plaintext, unchanged: true });
    expect(await rotateSecretKey(database.sealedSecrets, previous, current)).toBe(0);
  });

  it('changes nothing when re-sealing fails part way', async () => {
    await rows.write((plaintext) => encrypt(previous, plaintext));
    const before = await rows.read();
    let calls = 0;
    const failing = database.sealedSecrets.resealAll((sealed) => {
      calls += 1;
      if (calls === SEALED_COLUMNS.length) throw new Error('the last value cannot be sealed');
      return `${sealed}!`;
    });
    await expect(failing).rejects.toThrow('the last value cannot be sealed');
    expect(await rows.read()).toEqual(before);
  });
});
