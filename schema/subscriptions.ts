import { builder, viewerOf } from './builder.ts';
import { localId } from './ids.ts';
import { InstanceRef } from './instance.ts';

builder.subscriptionFields((t) => ({
  instanceUpdated: t.field({
    type: InstanceRef,
    description:
      'An instance was added or changed status or token count. organisationId defaults to the key\'s own; the operator key must name one.',
    args: { organisationId: t.arg.globalID() },
    subscribe: (_root, args, ctx) =>
      ctx.services.subscriptions.subscribe(viewerOf(ctx), 'instanceUpdated', args.organisationId && localId(args.organisationId, 'Organisation')),
    resolve: (instance) => instance,
  }),
}));
