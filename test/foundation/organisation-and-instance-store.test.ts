import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** Making, renaming and deleting organisations and their instances on each engine: names unique whatever the letter case, and limits, also in a race. */
describe.each(ENGINES)('organisations and instances on $name', (engine) => {
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

  it('renames an organisation unless the name is taken', async () => {
    const id = randomUUID();
    await database.organisations.create(id, 'Umbrella');
    await database.organisations.create(randomUUID(), 'Hooli');
    expect(await database.organisations.rename(id, 'hooli')).toEqual({ refused: 'NAME_TAKEN' });
    expect(await database.organisations.rename(id, 'Umbrella Corp')).toMatchObject({ id, name: 'Umbrella Corp' });
    expect(await database.organisations.rename(randomUUID(), 'Nobody')).toBeUndefined();
  });

  const instanceOf = (organisationId: string, name: string) => ({ id: randomUUID(), organisationId, environment: 'PRODUCTION' as const, name, loginUrl: 'https://login.example', tokenLimit: 5 });

  it('adds instances up to the limit, names unique within the organisation', async () => {
    const id = randomUUID();
    const otherId = randomUUID();
    await database.organisations.create(id, 'Stark');
    await database.organisations.create(otherId, 'Wayne');
    const first = (await database.instances.add(instanceOf(id, 'Production'), 2)) as InstanceRow;
    expect(first).toMatchObject({ organisationId: id, name: 'Production', status: 'NOT_CONNECTED' });
    expect(await database.instances.add(instanceOf(id, 'PRODUCTION'), 2)).toEqual({ refused: 'NAME_TAKEN' });
    expect(await database.instances.add(instanceOf(otherId, 'Production'), 2)).toMatchObject({ organisationId: otherId });
    expect(await database.instances.add(instanceOf(id, 'Sandbox'), 2)).toMatchObject({ name: 'Sandbox' });
    expect(await database.instances.add(instanceOf(id, 'Third'), 2)).toEqual({ refused: 'LIMIT_REACHED' });
    expect(await database.instances.add(instanceOf(randomUUID(), 'Orphan'), 2)).toEqual({ refused: 'NO_ORGANISATION' });

    expect(await database.instances.update(first.id, { name: 'sandbox' })).toEqual({ refused: 'NAME_TAKEN' });
    expect(await database.instances.update(first.id, { name: 'Live', loginUrl: 'https://acme.my.salesforce.com' })).toMatchObject({ name: 'Live', loginUrl: 'https://acme.my.salesforce.com' });
    expect(await database.instances.update(randomUUID(), { name: 'Gone' })).toBeUndefined();
    expect(await database.instances.recordApiUsage(first.id, { used: 1200, max: 15000 })).toMatchObject({ apiUsageUsed: 1200, apiUsageMax: 15000 });
    expect(await database.instances.recordApiUsage(randomUUID(), { used: 1, max: 2 })).toBeUndefined();
  });

  it('keeps the limit when ten instances are added at once on two connections', async () => {
    const id = randomUUID();
    await database.organisations.create(id, 'Cyberdyne');
    const other = await database.connectAgain();
    const added = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? database : other).instances.add(instanceOf(id, `Instance ${i}`), 3)));
    expect(added.filter((result) => !('refused' in result))).toHaveLength(3);
    expect(added.filter((result) => 'refused' in result)).toEqual(Array(7).fill({ refused: 'LIMIT_REACHED' }));
  });
});
