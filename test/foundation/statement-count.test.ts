import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD_QUERY, seedOrganisations } from '../helpers/seed-database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

async function statementsFor(server: TestServer, query: string) {
  const before = server.app.database.statementCount();
  const data = await server.operator.query(query);
  return { data, statements: server.app.database.statementCount() - before };
}

describe('a dashboard query without N+1', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
    servers = [];
  });

  it('issues the same number of SQL statements for 5 and for 50 organisations', async () => {
    const small = await startTestServer();
    const large = await startTestServer();
    servers.push(small, large);
    seedOrganisations(small.app.database.db, 5);
    seedOrganisations(large.app.database.db, 50);

    const smallRun = await statementsFor(small, DASHBOARD_QUERY);
    const largeRun = await statementsFor(large, DASHBOARD_QUERY);

    expect(largeRun.data.organisations).toHaveLength(50);
    const instance = largeRun.data.organisations[0].instances[0];
    expect(instance).toMatchObject({ tokensUsed: 3, tokensRemaining: 2 });
    expect(instance.tokens).toHaveLength(5);
    expect(instance.tokens[0].job.status).toBe('SUCCEEDED');
    expect(instance.jobs.edges).toHaveLength(1);
    expect(instance.jobs.pageInfo.hasNextPage).toBe(true);
    expect(largeRun.data.organisations[0].jobs.edges).toHaveLength(3);

    expect(largeRun.statements).toBe(smallRun.statements);
    // API key lookup, organisations, instances, tokens, jobs per parent kind, token jobs.
    expect(largeRun.statements).toBeLessThanOrEqual(8);
  });
});
