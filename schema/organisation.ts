import type { InstanceRow, OrganisationRow } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import { builder, viewerOf } from './builder.ts';
import { NO_CACHE } from './loaders.ts';
import { localId } from './ids.ts';
import { InstanceRef } from './instance.ts';
import { JobConnection, JobKindEnum, JobStatusEnum, jobConnections } from './job.ts';

export const OrganisationRef = builder.loadableNodeRef<OrganisationRow>('Organisation', {
  loaderOptions: NO_CACHE,
  id: { resolve: (organisation) => organisation.id },
  load: async (ids, ctx) => ctx.services.organisations.byIds(viewerOf(ctx), ids),
  sort: (organisation) => organisation.id,
});

OrganisationRef.implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    instances: t.loadableGroup({
      loaderOptions: NO_CACHE,
      type: InstanceRef,
      load: async (organisationIds: string[], ctx) => ctx.services.instances.byOrganisationIds(organisationIds),
      // The ref also accepts bare ids; this loader always returns rows.
      group: (instance) => (instance as InstanceRow).organisationId,
      resolve: (organisation) => organisation.id,
    }),
    jobs: t.loadable({
      loaderOptions: NO_CACHE,
      type: JobConnection,
      byPath: true,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        status: t.arg({ type: JobStatusEnum }),
        kind: t.arg({ type: JobKindEnum }),
      },
      load: (ids: string[], ctx, args) => jobConnections(ids, args, ctx.services.jobs.pagesByOrganisation),
      resolve: (organisation) => organisation.id,
    }),
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
    resolve: (_root, { id }, ctx) => ctx.services.organisations.get(viewerOf(ctx), localId(id, 'Organisation')),
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
