import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

const SENT = new Date(Date.UTC(2026, 0, 1, 12));
const RETRIED = new Date(Date.UTC(2026, 0, 1, 12, 5));

/** A restore's creates saved before they go out, and what became of them, on each engine. */
describe.each(ENGINES)('restore intents on $name', (engine) => {
  let database: TestDatabase;
  let instance: InstanceRow;
  let other: InstanceRow;

  beforeEach(async () => {
    database = await engine.open();
    instance = await database.addInstance(5);
    other = await database.addInstance(5);
  });
  afterEach(() => database.close());

  it('keeps saved creates until their outcome is known, per instance and object, a retry taking the newer body', async () => {
    const intents = database.restoreIntents;
    await intents.save(instance.id, 'job-1', 'Account', [{ sourceId: 'A1', body: { Name: 'Acme', Nested: { n: [1, 'ü'] } } }, { sourceId: 'A2', body: { Name: 'Globex' } }], SENT);
    await intents.save(instance.id, 'job-1', 'Contact', [{ sourceId: 'C1', body: { LastName: 'Doe' } }], SENT);
    await intents.save(other.id, 'job-2', 'Account', [{ sourceId: 'A1', body: { Name: 'Elsewhere' } }], SENT);
    await intents.save(instance.id, 'job-3', 'Account', [{ sourceId: 'A2', body: { Name: 'Globex Corp' } }], RETRIED);
    await intents.save(instance.id, 'job-3', 'Account', [], RETRIED);

    const pending = (await intents.pending(instance.id, 'Account')).sort((a, b) => a.sourceId.localeCompare(b.sourceId));
    expect(pending).toEqual([
      { sourceId: 'A1', body: { Name: 'Acme', Nested: { n: [1, 'ü'] } }, sentAt: SENT },
      { sourceId: 'A2', body: { Name: 'Globex Corp' }, sentAt: RETRIED },
    ]);
    expect(await intents.pending(other.id, 'Account')).toEqual([{ sourceId: 'A1', body: { Name: 'Elsewhere' }, sentAt: SENT }]);
  });

  it('records the new ids of creates carried out and forgets settled ones in one step', async () => {
    const intents = database.restoreIntents;
    await intents.save(instance.id, 'job-1', 'Account', ['A1', 'A2', 'A3'].map((sourceId) => ({ sourceId, body: { Name: sourceId } })), SENT);
    await intents.settle(instance.id, 'job-1', 'Account', [['A1', '001NEW1']], ['A2']);
    await intents.settle(instance.id, 'job-1', 'Account', [], []);

    expect((await intents.pending(instance.id, 'Account')).map((create) => create.sourceId)).toEqual(['A3']);
    expect(await intents.alreadyMapped(instance.id, ['001NEW1', '001OTHER'])).toEqual(new Set(['001NEW1']));
    expect(await intents.alreadyMapped(other.id, ['001NEW1'])).toEqual(new Set());
    expect(await intents.alreadyMapped(instance.id, [])).toEqual(new Set());

    // A later restore re-creating the same record maps it anew.
    await intents.settle(instance.id, 'job-2', 'Account', [['A1', '001NEW2'], ['A3', '001NEW3']], []);
    expect(await intents.alreadyMapped(instance.id, ['001NEW1', '001NEW2', '001NEW3'])).toEqual(new Set(['001NEW2', '001NEW3']));
    expect(await intents.pending(instance.id, 'Account')).toEqual([]);
    expect(await intents.restoredIds(instance.id, ['A1', 'A2', 'A3'])).toEqual(new Map([['A1', '001NEW2'], ['A3', '001NEW3']]));
    expect(await intents.anyRestored(instance.id)).toBe(true);
    expect(await intents.anyRestored(other.id)).toBe(false);
    expect(await intents.restoredIds(other.id, ['A1'])).toEqual(new Map());
  });

  it('takes long id lists in one statement', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `S${i}`);
    await database.restoreIntents.save(instance.id, 'job-1', 'Account', ids.map((sourceId) => ({ sourceId, body: {} })), SENT);
    await database.restoreIntents.settle(instance.id, 'job-1', 'Account', [], ids);
    expect(await database.restoreIntents.pending(instance.id, 'Account')).toEqual([]);
    expect(await database.restoreIntents.alreadyMapped(instance.id, ids)).toEqual(new Set());
    expect(await database.restoreIntents.restoredIds(instance.id, ids)).toEqual(new Map());
  });
});
