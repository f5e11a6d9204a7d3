import type { InstanceRow } from '../db/schema.ts';
import { InvalidInputError, NameTakenError, NotFoundError, SalesforceUnavailableError } from '../src/errors.ts';
import { DeletionRef } from './deletion.ts';
import { builder, viewerOf } from './builder.ts';
import { batchedConnection, forwardPage, toConnection } from './connections.ts';
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
  organisations: t.connection({
    type: OrganisationRef,
    description: 'The organisations this key may see, oldest first: its own, or all for the operator key, a page at a time.',
    resolve: async (_root, args, ctx) => toConnection(await ctx.services.organisations.page(viewerOf(ctx), forwardPage(args))),
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
    errors: { types: [InvalidInputError, NameTakenError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => ctx.services.organisations.create(name),
  }),
  renameOrganisation: t.field({
    type: OrganisationRef,
    description: 'Operator key only.',
    authScopes: { operator: true },
    errors: { types: [NotFoundError, InvalidInputError, NameTakenError] },
    args: { id: t.arg.globalID({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (_root, { id, name }, ctx) => ctx.services.organisations.rename(viewerOf(ctx), OrganisationRef.idFrom(id), name),
  }),
  deleteOrganisation: t.field({
    type: DeletionRef,
    description:
      "Deletes the organisation and all its data: instances (their access revoked at Salesforce first), jobs, snapshots, record contents, files and keys. confirmName must repeat the organisation's name. Refused while a job is queued or running. Operator key only.",
    authScopes: { operator: true },
    errors: { types: [NotFoundError, InvalidInputError, SalesforceUnavailableError] },
    args: { id: t.arg.globalID({ required: true }), confirmName: t.arg.string({ required: true }) },
    resolve: async (_root, { id, confirmName }, ctx) => {
      const deleted = await ctx.services.removals.deleteOrganisation(viewerOf(ctx), OrganisationRef.idFrom(id), confirmName);
      return { typename: 'Organisation', ...deleted };
    },
  }),
}));
