import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORGANISATIONS } from '../../src/dashboard/operations.ts';
import { startSeededServer, type SeededServer } from '../helpers/seed-organisations.ts';
import { statementsFor } from '../helpers/server.ts';

describe("the dashboard's own query without N+1", () => {
  let small: SeededServer;
  let large: SeededServer;
  beforeAll(async () => {
    const options = { instancesPerOrganisation: 1, backupsPerInstance: 2 };
    [small, large] = await Promise.all([startSeededServer(10, options), startSeededServer(100, options)]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([small?.dispose(), large?.dispose()]);
  });

  it('issues the same number of SQL statements for 10 and for 100 organisations', async () => {
    const smallRun = await statementsFor(small.server, small.server.operator, ORGANISATIONS);
    const largeRun = await statementsFor(large.server, large.server.operator, ORGANISATIONS);

    expect(largeRun.data.organisations).toHaveLength(100);
    const instance = largeRun.data.organisations[99].instances[0];
    expect(instance).toMatchObject({ status: 'CONNECTED', tokensUsed: 2, tokensRemaining: 3 });
    expect(instance.jobs.edges.map(({ node }: { node: { status: string } }) => node.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(instance.jobs.edges[0].node.failures.nodes).toEqual([]);
    expect(instance.snapshots.nodes).toHaveLength(2);
    expect(instance.snapshots.nodes.map((snapshot: { incremental: boolean }) => snapshot.incremental)).toEqual([true, false]);
    expect(instance.snapshots.nodes[1]).toMatchObject({ recordCount: 10 });
    expect(instance.snapshots.nodes[1].objects.map((object: { name: string }) => object.name)).toEqual(['Account', 'Contact']);

    console.log(`dashboard query: ${smallRun.statements} statements for 10 organisations, ${largeRun.statements} for 100`);
    expect(largeRun.statements).toBe(smallRun.statements);
    // Key lookup, organisations, instances, tokens, jobs, their failures, their instances,
    // snapshots and their objects: one statement each.
    expect(largeRun.statements).toBeLessThanOrEqual(9);
  });
});
