import type { InstanceRow } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import { builder, viewerOf } from './builder.ts';
import { batchedConnection } from './connections.ts';
import { InstanceRef } from './instance.ts';
import { JobConnection, JobKindEnum, JobRef, JobStatusEnum } from './job.ts';
import { loaded, NO_CACHE } from './loaders.ts';
import { nodeRef } from './node-ref.ts';

export const OrganisationRef = nodeRef('Organisation', (services, viewer, ids) => services.organisations.byIds(viewer, ids));

OrganisationRef.implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    instances: t.loadableGroup({
      loaderOptions: NO_CACHE,
      type: InstanceRef,
      load: (organisationIds: string[], ctx) => loaded(() => ctx.services.instances.byOrganisationIds(viewerOf(ctx), organisationIds)),
      // The ref also accepts bare ids; this loader always returns rows.
      group: (instance) => (instance as InstanceRow).organisationId,
      resolve: (organisation) => organisation.id,
    }),
    jobs: t.connection(
      {
        type: JobRef,
        description: 'Jobs of every instance of the organisation, newest first.',
        args: { status: t.arg({ type: JobStatusEnum }), kind: t.arg({ type: JobKindEnum }) },
        resolve: (organisation, args, ctx) =>
          batchedConnection(ctx, 'Organisation.jobs', args, organisation.id, (ids, request) =>
            ctx.services.jobs.pagesByOrganisation(viewerOf(ctx), ids, request),
          ),
      },
      JobConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  organisations: t.field({
    type: [OrganisationRef],
    description: 'Every organisation this key may see: its own, or all for the operator key.',
    resolve: (_root, _args, ctx) => ctx.services.organisations.list(viewerOf(ctx)),
  }),
  organisation: t.field({
    type: OrganisationRef,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.organisations.get(viewerOf(ctx), OrganisationRef.idFrom(id)),
  }),
}));

builder.mutationFields((t) => ({
  createOrganisation: t.field({
    type: OrganisationRef,
    description: 'Operator key only.',
    authScopes: { operator: true },
    errors: { types: [InvalidInputError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => ctx.services.organisations.create(name),
  }),
}));
