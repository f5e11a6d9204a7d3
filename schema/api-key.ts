import type { ApiKeyRow, Role } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import { builder, viewerOf } from './builder.ts';
import { forwardPage, toConnection } from './connections.ts';
import { globalId, localId } from './ids.ts';
import { OrganisationRef } from './organisation.ts';

const ROLES: Record<Role, { description: string }> = {
  VIEWER: { description: 'Reads everything of its organisation.' },
  OPERATOR: { description: 'Also starts and cancels jobs.' },
  ADMIN: { description: 'Also manages instances, reauthentication and keys.' },
};

export const RoleEnum = builder.enumType('Role', { values: ROLES });

export const ApiKeyRef = builder.objectRef<ApiKeyRow>('ApiKey').implement({
  fields: (t) => ({
    id: t.id({ resolve: (key) => globalId('ApiKey', key.id) }),
    name: t.exposeString('name'),
    role: t.expose('role', { type: RoleEnum }),
    organisation: t.field({ type: OrganisationRef, resolve: (key) => key.organisationId }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'To the minute.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ApiKeyCreatedRef = builder.objectRef<{ key: ApiKeyRow; secret: string }>('ApiKeyCreated').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.key }),
    secret: t.exposeString('secret', {
      description: 'The key to send as `Authorization: Bearer <secret>`. Shown this once; only a hash is kept.',
    }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: ApiKeyCreatedRef,
    description: 'Mints an organisation-scoped key. The operator key, or an ADMIN key of that organisation.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError, InvalidInputError] },
    args: {
      organisationId: t.arg.globalID({ required: true }),
      role: t.arg({ type: RoleEnum, required: true }),
      name: t.arg.string({ required: true }),
      expiresAt: t.arg({ type: 'DateTime', description: 'When the key stops working; never when omitted.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.apiKeys.create(viewerOf(ctx), OrganisationRef.idFrom(args.organisationId), args.role, args.name, args.expiresAt),
  }),
);

builder.queryField('apiKeys', (t) =>
  t.connection({
    type: ApiKeyRef,
    description: "An organisation's keys, revoked ones included, oldest first; never their secrets. The operator key, or an ADMIN key of that organisation.",
    authScopes: { role: 'ADMIN' },
    args: { organisationId: t.arg.globalID({ description: "Defaults to the key's own organisation." }) },
    resolve: (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      const organisationId = args.organisationId ? OrganisationRef.idFrom(args.organisationId) : viewer.kind === 'member' ? viewer.organisationId : undefined;
      if (!organisationId) throw new InvalidInputError('organisationId is required with the operator key', 'organisationId');
      return ctx.services.apiKeys.page(viewer, organisationId, forwardPage(args)).then(toConnection);
    },
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    description: 'Refuses the key from now on: its open subscriptions close and its cached answers are dropped at once. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.apiKeys.revoke(viewerOf(ctx), localId(id, 'ApiKey')),
  }),
);
