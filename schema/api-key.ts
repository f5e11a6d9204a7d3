import type { ApiKeyRow, Role } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import { builder, viewerOf } from './builder.ts';
import { OrganisationRef } from './organisation.ts';

const ROLES: Record<Role, { description: string }> = {
  VIEWER: { description: 'Reads everything of its organisation.' },
  OPERATOR: { description: 'Also starts and cancels jobs.' },
  ADMIN: { description: 'Also manages instances, reauthentication and keys.' },
};

export const RoleEnum = builder.enumType('Role', { values: ROLES });

const ApiKeyRef = builder.objectRef<ApiKeyRow>('ApiKey').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.expose('role', { type: RoleEnum }),
    organisation: t.field({ type: OrganisationRef, resolve: (key) => key.organisationId }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
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
    },
    resolve: (_root, args, ctx) =>
      ctx.services.apiKeys.create(viewerOf(ctx), OrganisationRef.idFrom(args.organisationId), args.role, args.name),
  }),
);
