import { createLogger } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalId, rowIdOf } from '../../schema/ids.ts';
import { createAuditRetention } from '../../src/jobs/audit-retention.ts';
import { addInstance, createOrganisationWithKey } from '../helpers/fixtures.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { rowsOf } from '../helpers/database-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The audit log through the public API: every mutation leaves one entry whatever its resolver,
 * each organisation reads only its own, wrong keys are recorded with their address, and the CSV
 * export streams what the query shows.
 */

let server: TestServer;
let acme: { organisationId: string; client: GraphQLClient };
let globex: { organisationId: string; client: GraphQLClient };

const ENTRY = `id at actorKind actorName actorRole actorKeyId action targetType targetId outcome detail clientAddress organisationId`;
const AUDIT_LOG = `query ($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) { edges { cursor node { ${ENTRY} } } pageInfo { hasNextPage endCursor } }
}`;

interface Entry {
  id: string;
  at: string;
  actorKind: string;
  actorName: string;
  actorRole: string | null;
  actorKeyId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  detail: string | null;
  clientAddress: string | null;
  organisationId: string | null;
}

async function auditLog(client: GraphQLClient, filter: Record<string, unknown> = {}, first = 100): Promise<Entry[]> {
  const data = await client.query(AUDIT_LOG, { first, filter });
  return data.auditLog.edges.map((edge: { node: Entry }) => edge.node);
}

const entryCount = () => rowsOf(server.app).count('select count(*) as n from audit_entries');

beforeAll(async () => {
  server = await startTestServer();
  acme = await createOrganisationWithKey(server.operator, 'Acme');
  globex = await createOrganisationWithKey(server.operator, 'Globex');
});

afterAll(async () => {
  await server?.dispose();
});

// --- every mutation of the schema, called with the least it takes -----------------------------

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface SchemaType {
  name: string;
  kind: string;
  enumValues: { name: string }[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

const typeText = (type: TypeRef): string =>
  type.kind === 'NON_NULL' ? `${typeText(type.ofType!)}!` : type.kind === 'LIST' ? `[${typeText(type.ofType!)}]` : type.name!;

/** A value of the type that the API accepts, needing nothing that exists: ids name nothing. */
function sampleValue(type: TypeRef, types: Map<string, SchemaType>): unknown {
  if (type.kind === 'NON_NULL') return sampleValue(type.ofType!, types);
  if (type.kind === 'LIST') return [];
  const named = types.get(type.name!)!;
  if (named.kind === 'ENUM') return named.enumValues![0].name;
  if (named.kind === 'INPUT_OBJECT') {
    const required = named.inputFields!.filter((field) => field.type.kind === 'NON_NULL');
    return Object.fromEntries(required.map((field) => [field.name, sampleValue(field.type, types)]));
  }
  const scalars: Record<string, unknown> = {
    ID: globalId('Nothing', 'audit-check'),
    String: 'audit check',
    Boolean: false,
    Int: 1,
    Float: 1,
    DateTime: new Date(Date.now() + 86_400_000).toISOString(),
    JSON: {},
  };
  return scalars[named.name];
}

describe('mutations', () => {
  it('every mutation of the schema leaves exactly one entry, named after it, and none can change the log', async () => {
    const schema = await server.operator.query(`{ __schema { types { name kind enumValues { name } inputFields { name type { ${TYPE_REF} } } } } }`);
    const types = new Map<string, SchemaType>(schema.__schema.types.map((type: SchemaType) => [type.name, type]));
    const mutationType = await server.operator.query(`{ __type(name: "Mutation") { fields { name type { ${TYPE_REF} } args { name type { ${TYPE_REF} } } } } }`);
    const mutations: { name: string; type: TypeRef; args: { name: string; type: TypeRef }[] }[] = mutationType.__type.fields;
    expect(mutations.length).toBeGreaterThan(5);
    expect(mutations.filter((field) => /audit/i.test(field.name))).toEqual([]);

    for (const field of mutations) {
      const required = field.args.filter((arg) => arg.type.kind === 'NON_NULL');
      const variables = Object.fromEntries(required.map((arg) => [arg.name, sampleValue(arg.type, types)]));
      const declarations = required.map((arg) => `$${arg.name}: ${typeText(arg.type)}`).join(', ');
      const call = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
      let returned = field.type;
      while (returned.ofType) returned = returned.ofType;
      const selection = ['OBJECT', 'UNION', 'INTERFACE'].includes(returned.kind) ? '{ __typename }' : '';
      const document = `mutation${declarations ? `(${declarations})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selection} }`;

      const before = await entryCount();
      const answer = await server.operator.request(document, variables);
      expect(answer.data ?? answer.errors, field.name).toBeDefined();
      expect(await entryCount(), field.name).toBe(before + 1);
      const [newest] = await auditLog(server.operator, {}, 1);
      expect(newest, field.name).toMatchObject({ action: field.name, actorKind: 'OPERATOR', actorName: 'operator' });
    }
  });

  it('records who, which target, the outcome and the address: a success, a typed failure, a refusal', async () => {
    const instanceId = await addInstance(acme.client, acme.organisationId, 'PRODUCTION', 'Acme production');
    const [added] = await auditLog(acme.client, { action: 'addInstance' });
    expect(added).toMatchObject({
      actorKind: 'API_KEY',
      actorName: 'test',
      actorRole: 'ADMIN',
      targetType: 'Organisation',
      targetId: acme.organisationId,
      outcome: 'SUCCEEDED',
      organisationId: acme.organisationId,
    });
    expect(added.clientAddress).toMatch(/127\.0\.0\.1|::1/);
    expect(Date.now() - Date.parse(added.at)).toBeLessThan(60_000);

    // Not connected: a typed error, recorded as a failure with its message.
    const backup = await acme.client.query(`mutation ($id: ID!) { startBackup(instanceId: $id) { __typename ... on Error { message } } }`, { id: instanceId });
    const [started] = await auditLog(acme.client, { action: 'startBackup' });
    expect(started).toMatchObject({ targetType: 'Instance', targetId: instanceId, outcome: 'FAILED', detail: backup.startBackup.message });

    // A viewer may not add instances: refused, and recorded as such.
    const viewer = await createOrganisationWithKey(server.operator, 'Viewer only', 'VIEWER');
    const refused = await viewer.client.request(
      `mutation ($org: ID!) { addInstance(organisationId: $org, environment: SANDBOX, name: "x") { __typename } }`,
      { org: viewer.organisationId },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [denied] = await auditLog(viewer.client, { action: 'addInstance' });
    expect(denied).toMatchObject({ actorRole: 'VIEWER', outcome: 'DENIED', detail: 'This needs a key with role ADMIN; this key has role VIEWER', organisationId: viewer.organisationId });
  });

  it('a document with two mutations leaves two entries; an operator action lands in the organisation it touched', async () => {
    const before = await entryCount();
    const data = await server.operator.query(
      `mutation ($org: ID!) {
        a: createApiKey(organisationId: $org, role: VIEWER, name: "reader") { ... on ApiKeyCreated { apiKey { id } } }
        b: createApiKey(organisationId: $org, role: OPERATOR, name: "runner") { ... on ApiKeyCreated { apiKey { id } } }
      }`,
      { org: globex.organisationId },
    );
    expect(await entryCount()).toBe(before + 2);
    const entries = await auditLog(globex.client, { action: 'createApiKey', actor: 'operator' });
    expect(entries.slice(0, 2).map((entry) => entry.targetId)).toEqual([globex.organisationId, globex.organisationId]);

    await server.operator.query(`mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: data.a.apiKey.id });
    const [revoked] = await auditLog(globex.client, { targetId: data.a.apiKey.id });
    expect(revoked).toMatchObject({ action: 'revokeApiKey', targetType: 'ApiKey', outcome: 'SUCCEEDED', organisationId: globex.organisationId });
  });
});

describe('reading the log', () => {
  it("an organisation's key reads its own organisation's entries only; the operator reads all", async () => {
    await addInstance(globex.client, globex.organisationId, 'SANDBOX', 'Globex sandbox');
    const acmeEntries = await auditLog(acme.client);
    expect(acmeEntries.length).toBeGreaterThan(0);
    expect(new Set(acmeEntries.map((entry) => entry.organisationId))).toEqual(new Set([acme.organisationId]));
    // Asking for another organisation's entries finds nothing rather than them.
    expect(await auditLog(acme.client, { organisationId: globex.organisationId })).toEqual([]);
    expect(await auditLog(acme.client, { action: 'addInstance', targetId: globex.organisationId })).toEqual([]);

    const all = await auditLog(server.operator);
    const organisations = new Set(all.map((entry) => entry.organisationId));
    expect(organisations.has(acme.organisationId) && organisations.has(globex.organisationId)).toBe(true);
    expect(await auditLog(server.operator, { organisationId: globex.organisationId })).not.toEqual([]);
  });

  it('pages newest first with cursors, and filters by outcome and time', async () => {
    const first = await acme.client.query(AUDIT_LOG, { first: 2 });
    const second = await acme.client.query(AUDIT_LOG, { first: 2, after: first.auditLog.pageInfo.endCursor });
    const ids = [...first.auditLog.edges, ...second.auditLog.edges].map((edge: { node: Entry }) => edge.node.id);
    expect(new Set(ids).size).toBe(4);
    const whole = (await auditLog(acme.client, {}, 4)).map((entry) => entry.id);
    expect(ids).toEqual(whole);

    expect((await auditLog(acme.client, { outcome: 'FAILED' })).every((entry) => entry.outcome === 'FAILED')).toBe(true);
    expect(await auditLog(acme.client, { since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await auditLog(acme.client, { until: new Date(0).toISOString() })).toEqual([]);
    // Never answered from the response cache: an empty answer is not served again once an entry matches.
    const filter = { action: 'updateInstance' };
    expect(await auditLog(acme.client, filter)).toEqual([]);
    await acme.client.request(`mutation { updateInstance(id: "${globalId('Instance', 'nothing')}", name: "x") { __typename } }`);
    expect(await auditLog(acme.client, filter)).toHaveLength(1);

    const bad = await acme.client.request(AUDIT_LOG, { first: 2, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.message).toMatch(/cursor/);
  });
});

describe('sign-in failures', () => {
  it('a wrong key is recorded with the client address, for the operator only', async () => {
    const answer = await server.client('sfb_not-a-real-key-at-all').request('{ viewer { isOperator } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const [failure] = await auditLog(server.operator, { action: 'signInFailed' });
    expect(failure).toMatchObject({ actorKind: 'ANONYMOUS', outcome: 'DENIED', organisationId: null });
    expect(failure.clientAddress).toMatch(/127\.0\.0\.1|::1/);
    expect(await auditLog(acme.client, { action: 'signInFailed' })).toEqual([]);
  });
});

describe('CSV export', () => {
  const exportCsv = (key: string | undefined, query = '') =>
    fetch(`${server.url}/audit-log.csv${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  it("streams the key's own entries as CSV with a header, filtered like the query, and records the export", async () => {
    const response = await exportCsv(acme.client.apiKey, '?action=addInstance');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await response.text()).trim().split('\n');
    expect(lines[0]).toBe('at,organisationId,actorKind,actorName,actorRole,action,targetType,targetId,outcome,detail,clientAddress');
    const expected = await auditLog(acme.client, { action: 'addInstance' });
    expect(lines.length - 1).toBe(expected.length);
    expect(lines.slice(1).every((line) => line.includes(`,${acme.organisationId},`) && line.includes(',addInstance,'))).toBe(true);
    expect(lines[1].startsWith(new Date(expected[0].at).toISOString())).toBe(true);

    const [recorded] = await auditLog(acme.client, { action: 'exportAuditLog' });
    expect(recorded).toMatchObject({ actorName: 'test', outcome: 'SUCCEEDED' });
    const whole = await (await exportCsv(server.operator.apiKey)).text();
    expect(whole).toContain(globex.organisationId);
  });

  it('keeps text a spreadsheet would run as a formula as text, and quotes commas', async () => {
    await server.app.services.audit.record({ actor: 'scheduler', action: 'scheduledBackup', outcome: 'FAILED', detail: '=HYPERLINK("x"), then more', organisationId: rowIdOf(acme.organisationId) });
    const text = await (await exportCsv(acme.client.apiKey, '?actor=scheduler')).text();
    expect(text).toContain(`"'=HYPERLINK(""x""), then more"`);
  });

  it('refuses without a key, and a bad filter, with a clear message', async () => {
    expect((await exportCsv(undefined)).status).toBe(401);
    const bad = await exportCsv(acme.client.apiKey, '?outcome=MAYBE');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'outcome must be one of SUCCEEDED, FAILED, DENIED' });
    expect((await exportCsv(acme.client.apiKey, '?since=yesterday')).status).toBe(400);
  });
});

describe('retention', () => {
  it('prunes entries past AUDIT_RETENTION_DAYS in bounded steps and keeps the rest', async () => {
    const { audit } = server.app.services;
    const old = new Date(Date.now() - 40 * 86_400_000);
    const rows = Array.from({ length: 2_500 }, (_, i) => [old, rowIdOf(acme.organisationId), 'SCHEDULER', 'scheduler', 'scheduledBackup', 'SUCCEEDED', `old ${i}`]);
    await rowsOf(server.app).run(
      `insert into audit_entries (at, organisation_id, actor_kind, actor_name, action, outcome, detail) values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      ...rows.flat(),
    );
    const before = await entryCount();

    expect(await audit.pruneStep(new Date(Date.now() - 30 * 86_400_000), 1000)).toBe(1000);
    const retention = createAuditRetention(audit, 30, createLogger('silent'));
    expect(await retention.prune()).toBe(1_500);
    expect(await entryCount()).toBe(before - 2_500);
    expect((await auditLog(acme.client)).length).toBeGreaterThan(0);
  });

  it('AUDIT_RETENTION_DAYS must be a positive number of days', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '90' }).auditRetentionDays).toBe(90);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS/);
  });
});
