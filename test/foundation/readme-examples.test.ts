import { readFileSync } from 'node:fs';
import {
  getNamedType,
  isAbstractType,
  isUnionType,
  Kind,
  OperationTypeNode,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorEnvironment, followCallback, loginAtSalesforce, type Emulator } from '../helpers/connected-instance.ts';
import type { EventStream, GraphQLClient, GraphQLResponse } from '../helpers/graphql-client.ts';
import { START_BACKUP, waitForJob } from '../helpers/operations.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Every GraphQL example of README.md, read from the README itself, runs as written against the
 * real service and the emulator with the key its comment names ("the operator key", "an ADMIN
 * key"…), in the README's order. None may answer a GraphQL error, an error result, or an empty
 * object (a union member the example selects nothing of). Subscriptions are live listeners: they
 * open as soon as the keys exist, and each must have received an event by the end.
 */

type KeyName = 'operator' | 'ADMIN' | 'OPERATOR' | 'VIEWER';

interface Example {
  text: string;
  /** The README line it starts on, to name it in failures. */
  line: number;
  key: KeyName | undefined;
  operation: OperationDefinitionNode;
  rootField: string;
}

/** The part of a line after `#`, outside strings. */
function commentOf(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') quoted = !quoted;
    else if (line[i] === '#' && !quoted) return line.slice(i + 1);
  }
  return '';
}

function keyNamedIn(comments: string): KeyName | undefined {
  const match = /\b(the operator key|an? (VIEWER|OPERATOR|ADMIN) key)\b/.exec(comments);
  if (!match) return undefined;
  return (match[2] as KeyName | undefined) ?? 'operator';
}

/** Splits the README's ```graphql blocks into operations, each with the comments just before and inside it. */
function readmeExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  const lines = markdown.split('\n');
  let inBlock = false;
  let lead: string[] = [];
  let current: { start: number; lines: string[]; depth: number } | undefined;
  for (const [index, line] of lines.entries()) {
    if (!inBlock) {
      inBlock = line.trim() === '```graphql';
      continue;
    }
    if (line.trim() === '```') {
      inBlock = false;
      lead = [];
      continue;
    }
    if (!current) {
      if (line.trim().startsWith('#')) lead.push(commentOf(line));
      else if (line.trim() === '') lead = [];
      if (!/^\s*(query|mutation|subscription|\{)/.test(line)) continue;
      current = { start: index + 1, lines: [], depth: 0 };
    }
    current.lines.push(line);
    const code = line.slice(0, line.length - commentOf(line).length);
    current.depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
    if (current.depth > 0) continue;
    const text = current.lines.join('\n');
    const operation = parse(text).definitions[0] as OperationDefinitionNode;
    // The example's own comments first: a comment above may speak of several.
    const comments = [...current.lines.map(commentOf), ...lead].join(' ');
    const rootField = (operation.selectionSet.selections[0] as FieldNode).name.value;
    examples.push({ text, line: current.start, key: keyNamedIn(comments), operation, rootField });
    current = undefined;
    lead = [];
  }
  return examples;
}

const RESULT_TYPE = 'readmeResultType';

/** The example with `readmeResultType: __typename` beside every union or interface selection, to tell which member answered. */
function withResultTypes(document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet(node) {
        const type = typeInfo.getType();
        if (!type || !isAbstractType(getNamedType(type))) return undefined;
        const typename: FieldNode = { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: RESULT_TYPE }, name: { kind: Kind.NAME, value: '__typename' } };
        return { ...node, selections: [...node.selections, typename] };
      },
    }),
  );
}

/** Fields of the example answering a union with error members whose selection would show a refusal as `{}`. */
function refusalsSelectingNothing(document: DocumentNode): string[] {
  const typeInfo = new TypeInfo(schema);
  const missing: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = getNamedType(typeInfo.getType());
        if (!type || !isUnionType(type) || !type.getTypes().some((member) => ERROR_TYPES.has(member.name))) return;
        const shown = node.selectionSet?.selections.some(
          (s) => (s.kind === Kind.INLINE_FRAGMENT && s.typeCondition?.name.value === 'Error') || (s.kind === Kind.FIELD && s.name.value === '__typename'),
        );
        if (!shown) missing.push(node.name.value);
      },
    }),
  );
  return missing;
}

const ERROR_TYPES = new Set(
  Object.values(schema.getTypeMap())
    .filter((type) => 'getInterfaces' in type && type.getInterfaces().some((i) => i.name === 'Error'))
    .map((type) => type.name),
);

/** What is wrong with an answer read with result types: error members, empty objects. */
function problemsIn(value: unknown, path: string, problems: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item, index) => problemsIn(item, `${path}[${index}]`, problems));
  else if (value !== null && typeof value === 'object') {
    const { [RESULT_TYPE]: type, ...written } = value as Record<string, unknown>;
    if (typeof type === 'string' && ERROR_TYPES.has(type)) problems.push(`${path} is ${type}: ${JSON.stringify(written)}`);
    if (Object.keys(written).length === 0) problems.push(`${path} is {} as written${type ? ` (a ${String(type)})` : ''}`);
    for (const [field, inner] of Object.entries(written)) problemsIn(inner, `${path}.${field}`, problems);
  }
  return problems;
}

const examples = readmeExamples(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));

describe('the README examples', () => {
  let emulator: Emulator;
  let server: TestServer;
  const keys = new Map<KeyName, GraphQLClient>();
  const variables: Record<string, unknown> = {};
  const subscriptions: { example: Example; stream: EventStream<GraphQLResponse> }[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, records: 5 });
    // Three tokens: the backup, the restore (one left: tokensLow) and the backup to cancel (none left: tokenExhausted).
    // A failed Salesforce call is retried after three seconds, which holds the backup to cancel running.
    server = await startTestServer({ ...emulatorEnvironment(emulator), TOKEN_LIMIT: '3', SALESFORCE_RETRY_DELAY_MS: '3000' });
    keys.set('operator', server.operator);
  });
  afterAll(async () => {
    for (const socket of sockets) await socket.dispose();
    await server.dispose();
    await emulator.close();
  });

  it('finds the examples, each naming the key it needs and selecting what a refusal says', () => {
    expect(examples.length).toBeGreaterThan(30);
    for (const example of examples) {
      expect(example.key, `README line ${example.line} names no key:\n${example.text}`).toBeDefined();
      // A result that may be an error selects its message (or __typename): a refusal never reads as {}.
      expect(refusalsSelectingNothing({ kind: Kind.DOCUMENT, definitions: [example.operation] }), `README line ${example.line}`).toEqual([]);
    }
    // Subscriptions to one organisation say how the operator key names it.
    expect(examples.some((e) => e.operation.operation === OperationTypeNode.SUBSCRIPTION && e.key === 'operator' && e.text.includes('organisationId: $org'))).toBe(true);
  });

  it('run as written with the key each names, answering neither an error nor an empty result', async () => {
    for (const example of examples) {
      if (example.operation.operation === OperationTypeNode.SUBSCRIPTION) continue;
      await before(example);
      const client = keys.get(example.key!);
      expect(client, `README line ${example.line}: no ${example.key} key yet`).toBeDefined();
      const declared = Object.fromEntries((example.operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, variables[d.variable.name.value]]));
      const answer = await client!.request(print(withResultTypes(parse(example.text))), declared);
      const where = `README line ${example.line} (${example.rootField}, ${example.key} key)`;
      expect(answer.errors, `${where}: ${JSON.stringify(answer.errors)}`).toBeUndefined();
      expect(problemsIn(answer.data, example.rootField), where).toEqual([]);
      await after(example, answer.data as Record<string, any>);
    }
    for (const { example, stream } of subscriptions) {
      expect(stream.values.length, `README line ${example.line} (${example.rootField}) heard nothing`).toBeGreaterThan(0);
      for (const event of stream.values) {
        expect(event.errors, `README line ${example.line}: ${JSON.stringify(event.errors)}`).toBeUndefined();
        expect(problemsIn(event.data, example.rootField), `README line ${example.line}`).toEqual([]);
      }
    }
  });

  /** What a person would have at hand before an example: ids from earlier answers, a login, a job still running. */
  async function before(example: Example) {
    if (example.rootField === 'revokeApiKey') {
      const minted = await server.operator.query(`mutation ($org: ID!) { createApiKey(organisationId: $org, role: VIEWER, name: "laptop") { ... on ApiKeyCreated { apiKey { id } } } }`, {
        org: variables.org,
      });
      variables.key = minted.createApiKey.apiKey.id;
    }
    if (example.rootField === 'startRestore') variables.account = emulator.data.PRODUCTION.ids('Account')[0];
    if (example.rootField === 'cancelJob') {
      // A backup held in a retry pause by a 503 from Salesforce: still going when the cancel arrives.
      emulator.failNext({ method: 'GET', path: '^/services/data/v[\\d.]+/query', count: 1, status: 503 });
      const started = await keys.get('OPERATOR')!.query(START_BACKUP, { instanceId: variables.instance, objects: ['Account'], full: true });
      expect(started.startBackup.__typename).toBe('Job');
      variables.job = started.startBackup.id;
    }
    if (example.rootField === 'deleteOrganisation') {
      // Deleting the organisation ends its subscriptions: every one must have heard its event first.
      for (const { example: subscription, stream } of subscriptions) await stream.until(() => stream.values.length > 0, `an event for README line ${subscription.line} (${subscription.rootField})`);
    }
  }

  /** Keeps what an answer gives for the examples after it, and does what the person does next. */
  async function after(example: Example, data: Record<string, any>) {
    const result = data[example.rootField];
    switch (example.rootField) {
      case 'createOrganisation':
        variables.org ??= result.id;
        break;
      case 'createApiKey': {
        keys.set('ADMIN', server.client(result.secret));
        for (const role of ['OPERATOR', 'VIEWER'] as const) {
          const minted = await server.operator.query(`mutation ($org: ID!, $role: Role!, $name: String!) { createApiKey(organisationId: $org, role: $role, name: $name) { ... on ApiKeyCreated { secret } } }`, {
            org: variables.org,
            role,
            name: role.toLowerCase(),
          });
          keys.set(role, server.client(minted.createApiKey.secret));
        }
        await openSubscriptions();
        break;
      }
      case 'addInstance':
        variables.instance ??= result.id;
        break;
      case 'startReauthentication': {
        // The browser's part: Salesforce's login page, then /oauth/callback hands state and code on.
        const org = emulator.orgs.PRODUCTION;
        const { login } = await followCallback(await loginAtSalesforce(result.authorizationUrl, { username: org.username, password: org.password }));
        Object.assign(variables, login);
        break;
      }
      case 'startBackup': {
        const job = await waitForJob(keys.get('VIEWER')!, result.id);
        expect(job.status, job.error).toBe('SUCCEEDED');
        Object.assign(variables, { job: job.id, snapshot: job.snapshot.id });
        break;
      }
      case 'startRestore':
        expect((await waitForJob(keys.get('VIEWER')!, result.id)).status).toBe('SUCCEEDED');
        break;
      case 'cancelJob':
        expect((await waitForJob(keys.get('VIEWER')!, variables.job as string)).status).toBe('CANCELLED');
        break;
    }
  }

  /** Every subscription example, each with its key, over graphql-ws. */
  async function openSubscriptions() {
    const socketOf = new Map<KeyName, Client>();
    for (const example of examples.filter((e) => e.operation.operation === OperationTypeNode.SUBSCRIPTION)) {
      const client = keys.get(example.key!)!;
      let socket = socketOf.get(example.key!);
      if (!socket) {
        socket = client.ws();
        socketOf.set(example.key!, socket);
        sockets.push(socket);
      }
      const declared = Object.fromEntries((example.operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, variables[d.variable.name.value]]));
      subscriptions.push({ example, stream: client.subscribeWs(socket, print(withResultTypes(parse(example.text))), declared) });
    }
    await Promise.all(subscriptions.map(({ stream }) => stream.opening()));
    // graphql-ws acknowledges no subscription: a query on each socket answers after its subscriptions are set up.
    for (const socket of socketOf.values()) {
      await new Promise<void>((resolve, reject) => socket.subscribe({ query: '{ viewer { isOperator } }' }, { next: () => {}, error: reject, complete: resolve }));
    }
  }
});

