import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../db/audit-store.ts';
import { openPostgres } from '../../db/pg/client.ts';
import { ENGINES, type EngineConnection, type TestDatabase } from '../helpers/engines.ts';

const entryOf = (changes: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  at: new Date(),
  organisationId: null,
  actorKind: 'OPERATOR',
  actorName: 'operator',
  action: 'createOrganisation',
  outcome: 'SUCCEEDED',
  ...changes,
});

/** The audit log's store on each engine: filters, the newest-first cursor, pruning, and no entry passed by a reader while others commit. */
describe.each(ENGINES)('the audit log on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('reads entries newest first, an organisation’s alone, filtered, from a cursor on', async () => {
    const [acme, globex] = [randomUUID(), randomUUID()];
    const day = (n: number) => new Date(Date.UTC(2026, 0, n));
    const recorded = [
      await database.audit.record(entryOf({ organisationId: acme, at: day(1), action: 'addInstance', targetType: 'Instance', targetId: 'i1' })),
      await database.audit.record(entryOf({ organisationId: globex, at: day(2), action: 'addInstance' })),
      await database.audit.record(entryOf({ organisationId: acme, at: day(3), actorKind: 'API_KEY', actorName: 'ops', actorRole: 'ADMIN', outcome: 'DENIED' })),
      await database.audit.record(entryOf({ organisationId: null, at: day(4), actorKind: 'ANONYMOUS', actorName: 'anonymous', action: 'signInFailed', clientAddress: '10.0.0.1' })),
      await database.audit.record(entryOf({ organisationId: acme, at: day(5), action: 'startBackup', detail: 'queued' })),
    ];
    expect(recorded[2]).toMatchObject({ id: expect.any(Number), actorRole: 'ADMIN', outcome: 'DENIED', at: day(3) });
    const ids = (rows: { id: number }[]) => rows.map((row) => row.id);
    const [a1, g2, a3, n4, a5] = ids(recorded);
    expect(a1 < g2 && g2 < a3 && a3 < n4 && n4 < a5).toBe(true);

    expect(ids(await database.audit.newestFirst(undefined, {}, undefined, 10))).toEqual([a5, n4, a3, g2, a1]);
    expect(ids(await database.audit.newestFirst(acme, {}, undefined, 10))).toEqual([a5, a3, a1]);
    expect(ids(await database.audit.newestFirst(acme, {}, a5, 1))).toEqual([a3]);
    expect(ids(await database.audit.newestFirst(acme, { organisationId: globex }, undefined, 10))).toEqual([]);
    expect(ids(await database.audit.newestFirst(undefined, { organisationId: globex }, undefined, 10))).toEqual([g2]);
    expect(ids(await database.audit.newestFirst(undefined, { action: 'addInstance' }, undefined, 10))).toEqual([g2, a1]);
    expect(ids(await database.audit.newestFirst(undefined, { actor: 'anonymous' }, undefined, 10))).toEqual([n4]);
    expect(ids(await database.audit.newestFirst(undefined, { targetId: 'i1' }, undefined, 10))).toEqual([a1]);
    expect(ids(await database.audit.newestFirst(undefined, { outcome: 'DENIED' }, undefined, 10))).toEqual([a3]);
    expect(ids(await database.audit.newestFirst(undefined, { since: day(2), until: day(4) }, undefined, 10))).toEqual([n4, a3, g2]);
  });

  it('finds the organisation of an instance, a job, a key and a snapshot', async () => {
    const instance = await database.addInstance(5);
    const job = await database.queueJob(instance, new Date());
    const snapshotId = await database.addSnapshot(job.id, instance.id, true);
    const key = await database.apiKeys.create({ id: randomUUID(), organisationId: instance.organisationId, name: 'ops', role: 'ADMIN', secretHash: randomUUID() });
    for (const [type, id] of [['Instance', instance.id], ['Job', job.id], ['ApiKey', key.id], ['Snapshot', snapshotId]]) {
      expect(await database.audit.organisationOfTarget(type, id)).toBe(instance.organisationId);
    }
    expect(await database.audit.organisationOfTarget('Instance', randomUUID())).toBeNull();
    expect(await database.audit.organisationOfTarget('Schedule', instance.id)).toBeNull();
  });

  it('prunes the oldest entries before the cutoff a bounded step at a time', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const kept = await database.audit.record(entryOf({ at: new Date() }));
    for (let i = 0; i < 5; i += 1) await database.audit.record(entryOf({ at: old, detail: `old ${i}` }));
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    expect(await database.audit.pruneStep(cutoff, 2)).toBe(2);
    expect((await database.audit.newestFirst(undefined, {}, undefined, 10)).map((entry) => entry.detail)).toEqual(['old 4', 'old 3', 'old 2', null]);
    expect(await database.audit.pruneStep(cutoff, 10)).toBe(3);
    expect(await database.audit.pruneStep(cutoff, 10)).toBe(0);
    expect(await database.audit.newestFirst(undefined, {}, undefined, 10)).toEqual([kept]);
  });

  it('never lets a reader paging newest first pass an entry that commits later, while four connections record at once', async () => {
    const release = await slowInsertsAfterTheirIdIsDrawn(database);
    try {
      const writers: EngineConnection[] = [database, ...(await Promise.all([1, 2, 3].map(() => database.connectAgain())))];
      const reader = await database.connectAgain();
      let writing = true;
      const written = Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < 15; i += 1) await writer.audit.record(entryOf({ detail: `${w}.${i}` }));
        }),
      ).finally(() => (writing = false));

      // Each walk starts at the newest entry it sees and pages down to the oldest.
      const walks: { top: number; seen: Set<number> }[] = [];
      while (writing) {
        const seen = new Set<number>();
        let before: number | undefined;
        let top: number | undefined;
        for (;;) {
          const page = await reader.audit.newestFirst(undefined, {}, before, 4);
          for (const entry of page) seen.add(entry.id);
          top ??= page[0]?.id;
          if (page.length < 4) break;
          before = page.at(-1)!.id;
        }
        if (top !== undefined) walks.push({ top, seen });
      }
      await written;

      const all = (await database.audit.newestFirst(undefined, {}, undefined, 100)).map((entry) => entry.id);
      expect(all).toHaveLength(60);
      expect(walks.length).toBeGreaterThan(0);
      for (const { top, seen } of walks) expect(all.filter((id) => id <= top && !seen.has(id))).toEqual([]);
    } finally {
      await release();
    }
  });
});

/**
 * On PostgreSQL, a trigger that sleeps a moment inside each insert, after its id is drawn and
 * before its commit: without the store's ordering, later ids would often commit first.
 */
async function slowInsertsAfterTheirIdIsDrawn(database: TestDatabase): Promise<() => Promise<void>> {
  if (!database.schema) return () => Promise.resolve();
  const handle = await openPostgres(process.env.TEST_DATABASE_URL!, { schema: database.schema });
  await handle.pool.query(`
    create function slow_audit_insert() returns trigger language plpgsql as $$
    begin perform pg_sleep(random() * 0.02); return new; end $$;
    create trigger slow_audit_insert before insert on audit_entries for each row execute function slow_audit_insert();
  `);
  return () => handle.close();
}
