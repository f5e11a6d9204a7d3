import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORGANISATIONS, ORGANISATIONS_SHOWN } from '../../src/dashboard/operations.ts';
import { startSeededServer, type SeededServer } from '../helpers/seed-organisations.ts';
import type { TestServer } from '../helpers/server.ts';

/** Every page of the dashboard's query, with the SQL statements each one cost. */
async function everyPage(server: TestServer) {
  const pages: { organisations: { nodes: any[] }; statements: number }[] = [];
  let after: string | null = null;
  do {
    const before = server.app.database.statementCount();
    const { organisations }: { organisations: { nodes: any[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } = await server.operator.query(ORGANISATIONS, { after });
    pages.push({ organisations, statements: server.app.database.statementCount() - before });
    after = organisations.pageInfo.hasNextPage ? organisations.pageInfo.endCursor : null;
  } while (after);
  return pages;
}

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

  it('issues the same number of SQL statements for a page of 10 organisations whether there are 10 or 100', async () => {
    const smallRun = await everyPage(small.server);
    const largeRun = await everyPage(large.server);

    expect(smallRun).toHaveLength(1);
    expect(largeRun).toHaveLength(100 / ORGANISATIONS_SHOWN);
    expect(largeRun.flatMap((page) => page.organisations.nodes)).toHaveLength(100);
    const instance = largeRun.at(-1)!.organisations.nodes.at(-1).instances[0];
    expect(instance).toMatchObject({ status: 'CONNECTED', tokensUsed: 2, tokensRemaining: 3 });
    expect(instance.jobs.nodes.map((job: { status: string }) => job.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(instance.jobs.nodes[0].failures.nodes).toEqual([]);
    expect(instance.snapshots.nodes).toHaveLength(2);
    expect(instance.snapshots.nodes.map((snapshot: { incremental: boolean }) => snapshot.incremental)).toEqual([true, false]);
    expect(instance.snapshots.nodes[1]).toMatchObject({ recordCount: 10 });
    expect(instance.snapshots.nodes[1].objects.map((object: { name: string }) => object.name)).toEqual(['Account', 'Contact']);

    const statements = largeRun.map((page) => page.statements);
    console.log(`dashboard query: ${smallRun[0].statements} statements for a page of 10 organisations of 10, ${statements.join('/')} per page of 100`);
    // Each page's answer is new to the response cache, so each is read from the database; after
    // the first request the key is known and its lookup costs nothing.
    expect(statements[0]).toBe(smallRun[0].statements);
    expect(new Set(statements.slice(1)).size).toBe(1);
    expect(statements[1]).toBeLessThanOrEqual(statements[0]);
    // Key lookup, organisations, instances, tokens, jobs, their failures, their instances,
    // snapshots and their objects: one statement each.
    expect(smallRun[0].statements).toBeLessThanOrEqual(9);
  });
});
