import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../helpers/engines.ts';

/** The health route's database check, on each engine. */
describe.each(ENGINES)('database health on $name', (engine) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('answers ok while the connection is open, and not once it is closed', async () => {
    const other = await database.connectAgain();
    expect(await other.health.ping()).toBe('ok');
    await other.close();
    expect(await other.health.ping()).toBe(engine.name === 'SQLite' ? 'closed' : 'error');
    expect(await database.health.ping()).toBe('ok');
  });
});
