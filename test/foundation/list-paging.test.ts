import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalId } from '../../src/global-ids.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { seedOrganisations } from '../helpers/seed-database.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Lists run prepared statements, one per shape (viewer, filters, cursor): each shape must bind its own values.
const ORGANISATION_JOBS = `query ($id: ID!, $first: Int!, $after: String, $kind: JobKind) {
  organisation(id: $id) { ... on Organisation { jobs(first: $first, after: $after, kind: $kind) { nodes { id kind } pageInfo { hasNextPage endCursor } } } }
}`;
const INSTANCE_LISTS = `query ($id: ID!) {
  instance(id: $id) { __typename ... on Instance {
    jobs(first: 3) { nodes { id failures(first: 1) { nodes { recordId } } } }
    snapshots(first: 2) { nodes { id recordCount objects { name recordCount } } }
  } }
}`;

interface JobPage {
  nodes: { id: string; kind: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('paged lists', () => {
  let server: TestServer;
  let member: GraphQLClient;
  let own: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestServer();
    await seedOrganisations(server.app, 2, { jobsPerInstance: 7, snapshotsPerInstance: 3, failuresPerRestore: 2 });
    [own, other] = (await rowsOf(server.app).all<{ id: string }>('select id from organisations order by created_at, id')).map((row) => row.id);
    const key = await server.operator.query(
      `mutation ($organisationId: ID!) { createApiKey(organisationId: $organisationId, role: VIEWER, name: "lists") { ... on ApiKeyCreated { secret } } }`,
      { organisationId: globalId('Organisation', own) },
    );
    member = server.client(key.createApiKey.secret);
  });
  afterAll(() => server.dispose());

  async function allPages(client: GraphQLClient, organisationId: string, kind?: string) {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: { organisation: { jobs: JobPage } } = await client.query(ORGANISATION_JOBS, { id: globalId('Organisation', organisationId), first: 2, after, kind });
      const page = data.organisation.jobs;
      ids.push(...page.nodes.map((job) => job.id));
      if (kind) expect(page.nodes.every((job) => job.kind === kind)).toBe(true);
      if (!page.pageInfo.hasNextPage) return ids;
      after = page.pageInfo.endCursor;
    }
  }

  async function expectedJobs(organisationId: string, kind?: string) {
    const rows = await rowsOf(server.app).all<{ id: string; organisationId: string; kind: string }>(
      'select id, organisation_id as "organisationId", kind from jobs order by queued_at, id',
    );
    return rows
      .filter((job) => job.organisationId === organisationId && (!kind || job.kind === kind))
      .reverse()
      .map((job) => globalId('Job', job.id));
  }

  it('pages through a filtered list newest first, for the operator and for a key of the organisation alike', async () => {
    for (const kind of [undefined, 'RESTORE']) {
      expect(await allPages(server.operator, own, kind)).toEqual(await expectedJobs(own, kind));
      expect(await allPages(member, own, kind)).toEqual(await expectedJobs(own, kind));
      expect(await allPages(server.operator, other, kind)).toEqual(await expectedJobs(other, kind));
    }
  });

  it("shows a key its own organisation's jobs, failures and snapshots and nothing of another's", async () => {
    const instanceOf = async (organisationId: string) =>
      (await rowsOf(server.app).get<{ id: string }>('select id from instances where organisation_id = ? order by created_at limit 1', organisationId))!.id;
    const mine = await member.query(INSTANCE_LISTS, { id: globalId('Instance', await instanceOf(own)) });
    const asOperator = await server.operator.query(INSTANCE_LISTS, { id: globalId('Instance', await instanceOf(own)) });
    expect(mine).toEqual(asOperator);
    expect(mine.instance.jobs.nodes).toHaveLength(3);
    expect(mine.instance.jobs.nodes.some((job: { failures: { nodes: unknown[] } }) => job.failures.nodes.length === 1)).toBe(true);
    expect(mine.instance.snapshots.nodes).toHaveLength(2);
    expect(mine.instance.snapshots.nodes[0].objects.length).toBeGreaterThan(0);
    const theirs = await member.query(INSTANCE_LISTS, { id: globalId('Instance', await instanceOf(other)) });
    expect(theirs.instance.__typename).not.toBe('Instance');
    // The operator's statements, prepared first for the other organisation, still answer for it.
    expect((await server.operator.query(INSTANCE_LISTS, { id: globalId('Instance', await instanceOf(other)) })).instance.jobs.nodes).toHaveLength(3);
  });
});
