import { ENVIRONMENTS, INSTANCE_STATUSES, type InstanceRow } from '../db/schema.ts';
import { InvalidInputError, NameTakenError, NotFoundError, SalesforceUnavailableError } from '../src/errors.ts';
import { DeletionRef } from './deletion.ts';
import { builder, viewerOf } from './builder.ts';
import { batchedConnection } from './connections.ts';
import { JobConnection, JobRef } from './job.ts';
import { currentTokensLoader, tokenCount, visibleInstances } from './loaders.ts';
import { nodeRef } from './node-ref.ts';
import { OrganisationRef } from './organisation.ts';
import { SnapshotConnection, SnapshotRef } from './snapshot.ts';
import { TokenRef } from './token.ts';

export const EnvironmentEnum = builder.enumType('Environment', { values: ENVIRONMENTS });
export const InstanceStatusEnum = builder.enumType('InstanceStatus', { values: INSTANCE_STATUSES });

const ApiUsageRef = builder.objectRef<{ used: number; max: number }>('ApiUsage').implement({
  fields: (t) => ({ used: t.exposeInt('used'), max: t.exposeInt('max') }),
});

// Every instance event's executions (one per organisation) read their instances in one statement.
export const InstanceRef = nodeRef<InstanceRow>('Instance', visibleInstances);

InstanceRef.implement({
  fields: (t) => ({
    organisation: t.field({ type: OrganisationRef, resolve: (instance) => instance.organisationId }),
    environment: t.expose('environment', { type: EnvironmentEnum }),
    name: t.exposeString('name'),
    status: t.expose('status', { type: InstanceStatusEnum }),
    loginUrl: t.exposeString('loginUrl'),
    instanceUrl: t.exposeString('instanceUrl', { nullable: true }),
    salesforceOrgId: t.exposeString('salesforceOrgId', { nullable: true }),
    username: t.exposeString('username', { nullable: true }),
    tokenLimit: t.exposeInt('tokenLimit'),
    tokensUsed: t.int({
      description: 'Tokens of the current grant already used by jobs.',
      resolve: (instance, _args, ctx) => tokenCount(ctx, instance.id, 'USED'),
    }),
    tokensRemaining: t.int({
      description: 'Jobs that can still start before reauthentication is needed.',
      resolve: (instance, _args, ctx) => tokenCount(ctx, instance.id, 'AVAILABLE'),
    }),
    tokens: t.field({
      type: [TokenRef],
      description: 'The tokens of the current grant, in the order jobs use them.',
      resolve: (instance, _args, ctx) => currentTokensLoader(ctx).load(instance.id),
    }),
    lastAuthenticatedAt: t.expose('lastAuthenticatedAt', { type: 'DateTime', nullable: true }),
    snapshots: t.connection({
      type: SnapshotRef,
      description: 'Complete snapshots, newest first.',
      resolve: (instance, args, ctx) =>
        batchedConnection(ctx, 'Instance.snapshots', args, instance.id, (ids, request) =>
          ctx.services.snapshots.pagesByInstance(viewerOf(ctx), ids, request),
        ),
    }, SnapshotConnection),
    apiUsage: t.field({
      type: ApiUsageRef,
      nullable: true,
      description: "The org's daily API usage as Salesforce last reported it to a job.",
      resolve: (instance) =>
        instance.apiUsageUsed === null || instance.apiUsageMax === null ? null : { used: instance.apiUsageUsed, max: instance.apiUsageMax },
    }),
    jobs: t.connection({
      type: JobRef,
      description: 'Jobs of the instance, newest first.',
      resolve: (instance, args, ctx) =>
        batchedConnection(ctx, 'Instance.jobs', args, instance.id, (ids, request) => ctx.services.jobs.pagesByInstance(viewerOf(ctx), ids, request)),
    }, JobConnection),
  }),
});

builder.queryField('instance', (t) =>
  t.field({
    type: InstanceRef,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.instances.get(viewerOf(ctx), InstanceRef.idFrom(id)),
  }),
);

builder.mutationField('addInstance', (t) =>
  t.field({
    type: InstanceRef,
    description: 'Registers a Salesforce org of the organisation; it starts NOT_CONNECTED. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError, InvalidInputError, NameTakenError] },
    args: {
      organisationId: t.arg.globalID({ required: true }),
      environment: t.arg({ type: EnvironmentEnum, required: true }),
      name: t.arg.string({ required: true }),
      loginUrl: t.arg.string({ description: "The org's own login host (My Domain, e.g. https://acme.my.salesforce.com) when its users must log in there; https:// only (http:// on loopback). Defaults to the environment's login host." }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.instances.add(viewerOf(ctx), OrganisationRef.idFrom(args.organisationId), args.environment, args.name, args.loginUrl),
  }),
);

builder.mutationField('updateInstance', (t) =>
  t.field({
    type: InstanceRef,
    description: "Renames an instance or changes its login host (null: the environment's default); the next login and token refresh use it. Role ADMIN.",
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError, InvalidInputError, NameTakenError] },
    args: {
      id: t.arg.globalID({ required: true }),
      name: t.arg.string(),
      loginUrl: t.arg.string(),
    },
    resolve: (_root, args, ctx) => ctx.services.instances.update(viewerOf(ctx), InstanceRef.idFrom(args.id), { name: args.name, loginUrl: args.loginUrl }),
  }),
);

builder.mutationField('disconnectInstance', (t) =>
  t.field({
    type: InstanceRef,
    description:
      'Revokes the access granted to the instance at Salesforce (/services/oauth2/revoke); it stays, NOT_CONNECTED, until access is granted again. Its snapshots are kept unless deleteSnapshots. Refused while a job is queued or running. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError, InvalidInputError, SalesforceUnavailableError] },
    args: { id: t.arg.globalID({ required: true }), deleteSnapshots: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args, ctx) => ctx.services.removals.disconnectInstance(viewerOf(ctx), InstanceRef.idFrom(args.id), args.deleteSnapshots ?? false),
  }),
);

builder.mutationField('deleteInstance', (t) =>
  t.field({
    type: DeletionRef,
    description:
      "Revokes the instance's access at Salesforce and deletes it with its jobs and snapshots. confirmName must repeat the instance's name. To keep the snapshots, use disconnectInstance. Role ADMIN.",
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError, InvalidInputError, SalesforceUnavailableError] },
    args: { id: t.arg.globalID({ required: true }), confirmName: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const deleted = await ctx.services.removals.deleteInstance(viewerOf(ctx), InstanceRef.idFrom(args.id), args.confirmName);
      return { typename: 'Instance', ...deleted };
    },
  }),
);
