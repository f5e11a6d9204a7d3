import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrganisationRow } from '../../db/schema.ts';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** What the API reads of organisations and instances, on each engine: pages after a cursor, long id lists, names whatever the letter case. */
describe.each(ENGINES)('organisation and instance reads on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  async function organisation(name: string): Promise<OrganisationRow> {
    const made = await database.organisations.create(randomUUID(), name);
    if ('refused' in made) throw new Error(`${name} is taken`);
    return made;
  }

  it('pages organisations oldest first, then by id, from after the last row of the page before', async () => {
    const made: OrganisationRow[] = [];
    for (let i = 0; i < 7; i++) made.push(await organisation(`Organisation ${i}`));
    const expected = [...made].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map((row) => row.id);

    const seen: string[] = [];
    let after: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const page = await database.organisations.page({ after, limit: 3 });
      seen.push(...page.map((row) => row.id));
      if (page.length < 3) break;
      const last = page.at(-1)!;
      after = { createdAt: last.createdAt, id: last.id };
    }
    expect(seen).toEqual(expected);

    const own = await database.organisations.page({ organisationId: made[4].id, limit: 10 });
    expect(own.map((row) => row.id)).toEqual([made[4].id]);
    expect(await database.organisations.page({ organisationId: made[4].id, after: { createdAt: made[4].createdAt, id: made[4].id }, limit: 10 })).toEqual([]);
  });

  it('reads organisations by id and by name whatever the letter case', async () => {
    const acme = await organisation('Acme');
    const globex = await organisation('Globex');
    expect(await database.organisations.byId(acme.id)).toEqual(acme);
    expect(await database.organisations.byId(randomUUID())).toBeUndefined();
    const ids = [...Array.from({ length: 5000 }, () => randomUUID()), globex.id, acme.id];
    expect((await database.organisations.byIds(ids)).map((row) => row.id).sort()).toEqual([acme.id, globex.id].sort());
    expect(await database.organisations.byIds([])).toEqual([]);
    expect(await database.organisations.holderOfName('ACME')).toBe(acme.id);
    expect(await database.organisations.holderOfName('Initech')).toBeUndefined();
  });

  it('reads instances by id, by a list of 5,000 ids, and by organisation oldest first', async () => {
    const first = await database.addInstance(5);
    const second = await database.addInstance(5, first.organisationId);
    const elsewhere = await database.addInstance(5);

    expect(await database.instances.byId(second.id)).toEqual(second);
    expect(await database.instances.byId(randomUUID())).toBeUndefined();

    const ids = [...Array.from({ length: 5000 }, () => randomUUID()), elsewhere.id, first.id];
    expect((await database.instances.byIds(ids)).map((row) => row.id).sort()).toEqual([elsewhere.id, first.id].sort());

    const expected = [first, second].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    expect((await database.instances.ofOrganisations([first.organisationId])).map((row) => row.id)).toEqual(expected.map((row) => row.id));
    expect(await database.instances.ofOrganisations([elsewhere.organisationId, first.organisationId])).toHaveLength(3);
    expect(await database.instances.ofOrganisations([])).toEqual([]);
  });

  it("names the organisation's instance holding a name, whatever the letter case, and no other organisation's", async () => {
    const instance = await database.addInstance(5);
    expect(await database.instances.holderOfName(instance.organisationId, instance.name.toUpperCase())).toBe(instance.id);
    expect(await database.instances.holderOfName(instance.organisationId, 'Another name')).toBeUndefined();
    const other = await organisation('Other');
    expect(await database.instances.holderOfName(other.id, instance.name)).toBeUndefined();
  });
});
