import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleInstances } from '../../schema/loaders.ts';
import type { Viewer } from '../../src/services/viewer.ts';
import { seedOrganisations } from '../helpers/seed-database.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const OPERATOR: Viewer = { kind: 'operator' };
const memberOf = (organisationId: string): Viewer => ({ kind: 'member', organisationId, role: 'VIEWER', keyId: 'k', keyName: 'k', expiresAt: null });

// Reads of different callers in one tick share one statement: each must still get only what its viewer may see.
describe('reads shared across contexts', () => {
  let server: TestServer;
  let mine: { id: string; organisationId: string };
  let theirs: { id: string; organisationId: string };

  beforeAll(async () => {
    server = await startTestServer();
    await seedOrganisations(server.app, 2, { instancesPerOrganisation: 1, jobsPerInstance: 2 });
    [mine, theirs] = await rowsOf(server.app).all<{ id: string; organisationId: string }>(
      'select id, organisation_id as "organisationId" from instances order by created_at, id',
    );
  });
  afterAll(() => server.dispose());

  it('answers each read in a batch for its own viewer', async () => {
    const { services } = server.app;
    const reads = [
      { viewer: OPERATOR, id: theirs.id },
      { viewer: memberOf(mine.organisationId), id: theirs.id },
      { viewer: memberOf(mine.organisationId), id: mine.id },
    ];
    expect((await services.instances.forEachViewer(reads)).map((row) => row?.id)).toEqual([theirs.id, undefined, mine.id]);
    const counts = await services.tokens.currentCountsForEachViewer(reads);
    expect(counts[0].size).toBeGreaterThan(0);
    expect(counts[1].size).toBe(0);
    expect(counts[2]).toEqual(counts[0]);
  });

  it('loads instances of contexts asking in the same tick in one statement, each seeing its own', async () => {
    const { services } = server.app;
    const before = server.app.database.statementCount();
    const [asOperator, asMember] = await Promise.all([
      visibleInstances(services, OPERATOR, [mine.id, theirs.id]),
      visibleInstances(services, memberOf(mine.organisationId), [mine.id, theirs.id]),
    ]);
    expect(server.app.database.statementCount() - before).toBe(1);
    expect(asOperator.map((row) => row.id).sort()).toEqual([mine.id, theirs.id].sort());
    expect(asMember.map((row) => row.id)).toEqual([mine.id]);
  });
});
