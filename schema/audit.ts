import { typeBrandKey } from '@pothos/core';
import { getNamedType, GraphQLError, isObjectType, isUnionType, type GraphQLField, type GraphQLSchema } from 'graphql';
import { AUDIT_ACTOR_KINDS, AUDIT_OUTCOMES, type AuditEntryRow } from '../db/schema.ts';
import { DomainError } from '../src/errors.ts';
import type { AuditEvent, AuditFilter, AuditTarget } from '../src/services/audit.ts';
import { RoleEnum } from './api-key.ts';
import { builder, viewerOf, type Context } from './builder.ts';
import { forwardPage, toConnection } from './connections.ts';
import { decodeGlobalId, globalId, rowIdOf } from './ids.ts';

const AuditOutcomeEnum = builder.enumType('AuditOutcome', { values: AUDIT_OUTCOMES });
const AuditActorKindEnum = builder.enumType('AuditActorKind', { values: AUDIT_ACTOR_KINDS });

const AuditEntryRef = builder.objectRef<AuditEntryRow>('AuditEntry').implement({
  description: 'Who did what to which target, when, from where, and how it ended.',
  fields: (t) => ({
    id: t.id({ resolve: (entry) => globalId('AuditEntry', String(entry.id)) }),
    at: t.expose('at', { type: 'DateTime' }),
    actorKind: t.expose('actorKind', { type: AuditActorKindEnum }),
    actorName: t.exposeString('actorName', { description: 'The key’s name, `operator`, `scheduler`, `system` or `anonymous`.' }),
    actorRole: t.expose('actorRole', { type: RoleEnum, nullable: true }),
    actorKeyId: t.id({ nullable: true, resolve: (entry) => (entry.actorKeyId ? globalId('ApiKey', entry.actorKeyId) : null) }),
    action: t.exposeString('action', { description: 'The mutation, or `signInFailed`, `oauthCallback`, `export`, `exportAuditLog`, `scheduledBackup`, `dataAlert`.' }),
    targetType: t.exposeString('targetType', { nullable: true }),
    targetId: t.id({
      nullable: true,
      resolve: (entry) => (entry.targetType && entry.targetId ? globalId(entry.targetType, entry.targetId) : null),
    }),
    outcome: t.expose('outcome', { type: AuditOutcomeEnum }),
    detail: t.exposeString('detail', { nullable: true, description: 'Why it failed or was denied, or what was done.' }),
    clientAddress: t.exposeString('clientAddress', { nullable: true }),
    organisationId: t.id({
      nullable: true,
      resolve: (entry) => (entry.organisationId ? globalId('Organisation', entry.organisationId) : null),
    }),
  }),
});

export const AuditFilterInput = builder.inputType('AuditFilter', {
  fields: (t) => ({
    action: t.string(),
    actor: t.string({ description: 'A key’s name, `operator`, `scheduler` or `anonymous`.' }),
    targetId: t.id({ description: 'The global id of the target.' }),
    outcome: t.field({ type: AuditOutcomeEnum }),
    since: t.field({ type: 'DateTime', description: 'From this time on, inclusive.' }),
    until: t.field({ type: 'DateTime', description: 'Up to this time, inclusive.' }),
    organisationId: t.id({ description: 'The operator key only: one organisation’s entries.' }),
  }),
});

/** The filter as the service takes it: global ids turned into row ids. */
export function auditFilterFrom(input: typeof AuditFilterInput.$inferInput | null | undefined): AuditFilter {
  return input ? { ...input, targetId: rowIdOf(input.targetId), organisationId: rowIdOf(input.organisationId) } : {};
}

builder.queryField('auditLog', (t) =>
  t.connection(
    {
      type: AuditEntryRef,
      description:
        'The audit log, newest first. The operator key sees every entry; an organisation’s key its own organisation’s. Entries are never changed through the API; they are removed after AUDIT_RETENTION_DAYS.',
      args: { filter: t.arg({ type: AuditFilterInput }) },
      resolve: (_root, args, ctx) => ctx.services.audit.page(viewerOf(ctx), auditFilterFrom(args.filter), forwardPage(args)).then(toConnection),
    },
    { name: 'AuditEntryConnection' },
    { name: 'AuditEntryEdge' },
  ),
);

/** The type a mutation answers when it succeeds: the field's object type, or its union's member that is not an error. */
function successTypeOf(field: GraphQLField<unknown, unknown>): string | undefined {
  const type = getNamedType(field.type);
  if (isObjectType(type)) return type.name;
  if (isUnionType(type)) return type.getTypes().find((member) => !member.getInterfaces().some((face) => face.name === 'Error'))?.name;
  return undefined;
}

/** What the mutation acted on: its first id argument, or else the object it created. */
function targetOf(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, result: unknown): AuditTarget | null {
  for (const arg of field.args) {
    const value = args[arg.name];
    if (getNamedType(arg.type).name !== 'ID' || typeof value !== 'string') continue;
    const decoded = decodeGlobalId(value);
    if (decoded) return { type: decoded.typename, id: decoded.id };
  }
  const type = successTypeOf(field);
  const id = result && typeof result === 'object' && !isTypedError(result) ? (result as { id?: unknown }).id : undefined;
  return type && typeof id === 'string' ? { type, id } : null;
}

/** A typed error result: the errors plugin hands it on wrapped, branded with its error class. */
function isTypedError(value: unknown): value is Error {
  if (!value || typeof value !== 'object') return false;
  const brand = (value as { [typeBrandKey]?: unknown })[typeBrandKey];
  return value instanceof Error || (typeof brand === 'function' && brand.prototype instanceof Error);
}

/** How a resolver's answer or error reads in the log; internal errors are not described. */
function outcomeOf(result: { value: unknown } | { error: unknown }): Pick<AuditEvent, 'outcome' | 'detail'> {
  if ('value' in result) {
    return isTypedError(result.value) ? { outcome: 'FAILED', detail: result.value.message } : { outcome: 'SUCCEEDED' };
  }
  const { error } = result;
  if (error instanceof GraphQLError) {
    const denied = error.extensions.code === 'FORBIDDEN' || error.extensions.code === 'UNAUTHENTICATED';
    return { outcome: denied ? 'DENIED' : 'FAILED', detail: error.message };
  }
  return { outcome: 'FAILED', detail: error instanceof DomainError ? error.message : 'Unexpected error' };
}

/**
 * Records every mutation field once, whatever its resolver: wrapped outside the auth check and the
 * typed errors, so a refused call, a typed failure and a success each leave one entry.
 */
export function recordMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve!;
    field.resolve = async (root, args: Record<string, unknown>, ctx: Context, info) => {
      const record = (result: { value: unknown } | { error: unknown }) =>
        ctx.services.audit.record({
          actor: ctx.viewer ?? 'anonymous',
          action: field.name,
          target: targetOf(field, args, 'value' in result ? result.value : undefined),
          clientAddress: ctx.clientAddress,
          ...outcomeOf(result),
        });
      let value: unknown;
      try {
        value = await resolve(root, args, ctx, info);
      } catch (error) {
        await record({ error });
        throw error;
      }
      await record({ value });
      return value;
    };
  }
  return schema;
}
