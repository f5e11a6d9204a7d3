import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Names are unique by unique indexes, not only by the service's check: another process writing
 * the same name between the check and the write is refused by the index, and the caller still
 * gets NameTaken. The other writer is played by triggers on the same database file.
 */
describe('unique names under a race', () => {
  let server: TestServer;
  let other: Database.Database;
  let admin: GraphQLClient;
  let organisationId: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({ organisationId, client: admin } = await createOrganisationWithKey(server.operator, 'Race Ltd'));
    other = new Database(join(server.dataDir, 'backup.db'));
    other.exec(`
      CREATE TRIGGER other_creates BEFORE INSERT ON organisations WHEN NEW.name = 'Racer'
        BEGIN INSERT INTO organisations (id, name) VALUES ('other-' || NEW.id, 'RACER'); END;
      CREATE TRIGGER other_renames BEFORE UPDATE OF name ON organisations WHEN NEW.name = 'Renamed racer'
        BEGIN INSERT INTO organisations (id, name) VALUES ('other-' || NEW.id, 'renamed RACER'); END;
      CREATE TRIGGER other_adds BEFORE INSERT ON instances WHEN NEW.name = 'Racing org'
        BEGIN INSERT INTO instances (id, organisation_id, environment, name, login_url, token_limit)
          VALUES ('other-' || NEW.id, NEW.organisation_id, 'SANDBOX', 'racing ORG', NEW.login_url, 5); END;
    `);
  });
  afterAll(async () => {
    other.close();
    await server.dispose();
  });

  const organisationNames = async () => (await server.operator.query('{ organisations(first: 100) { nodes { name } } }')).organisations.nodes.map((o: { name: string }) => o.name);

  it('answers NameTaken when the index refuses an organisation created or renamed at the same moment', async () => {
    const created = await server.operator.request(`mutation { createOrganisation(name: "Racer") { __typename ... on Error { message } } }`);
    expect(created.errors).toBeUndefined();
    expect(created.data.createOrganisation).toEqual({ __typename: 'NameTaken', message: 'An organisation is already named "Racer"' });

    const renamed = await server.operator.request(`mutation ($id: ID!) { renameOrganisation(id: $id, name: "Renamed racer") { __typename ... on Error { message } } }`, {
      id: organisationId,
    });
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data.renameOrganisation.__typename).toBe('NameTaken');
    // The refused write changed nothing.
    expect(await organisationNames()).toEqual(['Race Ltd']);
  });

  it('answers NameTaken when the index refuses an instance added at the same moment', async () => {
    const added = await admin.request(`mutation ($org: ID!) { addInstance(organisationId: $org, environment: PRODUCTION, name: "Racing org") { __typename ... on Error { message } } }`, {
      org: organisationId,
    });
    expect(added.errors).toBeUndefined();
    expect(added.data.addInstance).toEqual({ __typename: 'NameTaken', message: 'An instance of this organisation is already named "Racing org"' });
    const listed = await admin.query(`{ organisations { nodes { instances { name } } } }`);
    expect(listed.organisations.nodes[0].instances).toEqual([]);
  });
});
