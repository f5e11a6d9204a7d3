import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** Making and deleting organisations on each engine, names unique whatever the letter case, also in a race. */
describe.each(ENGINES)('organisations on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('makes an organisation, and refuses its name to another whatever the letter case', async () => {
    const id = randomUUID();
    expect(await database.organisations.create(id, 'Acme')).toMatchObject({ id, name: 'Acme', createdAt: expect.any(Date) });
    expect(await database.organisations.create(randomUUID(), 'ACME')).toEqual({ refused: 'NAME_TAKEN' });
  });

  it('gives a name to one of ten made at once on two connections', async () => {
    const other = await database.connectAgain();
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? database : other).organisations.create(randomUUID(), i % 3 === 0 ? 'Initech' : 'initech')));
    expect(made.filter((result) => !('refused' in result))).toHaveLength(1);
    expect(made.filter((result) => 'refused' in result)).toHaveLength(9);
  });

  it('deletes an organisation with what cascades from it, freeing its name', async () => {
    const id = randomUUID();
    await database.organisations.create(id, 'Globex');
    const gone = await database.addInstance(5, id);
    await database.queueJob(gone, new Date());
    const other = await database.addInstance(5);
    const kept = await database.queueJob(other, new Date());

    await database.organisations.delete(id);
    await database.organisations.delete(id);
    expect(await database.instance(gone.id)).toBeUndefined();
    expect((await database.job(kept.id)).status).toBe('QUEUED');
    expect(await database.organisations.create(randomUUID(), 'Globex')).toMatchObject({ name: 'Globex' });
  });
});
