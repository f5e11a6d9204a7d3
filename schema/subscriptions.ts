import type { ReauthCompletedEvent, TokenExhaustedEvent } from '../src/events.ts';
import { builder, viewerOf, type Context } from './builder.ts';
import { TokenExhaustionReasonEnum } from './errors.ts';
import { localId, type DecodedId } from './ids.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';
import { currentTokensLoader } from './loaders.ts';

const TokenExhaustedEventRef = builder.objectRef<TokenExhaustedEvent>('TokenExhaustedEvent').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (event) => event.instance }),
    message: t.exposeString('message'),
    reason: t.expose('reason', { type: TokenExhaustionReasonEnum }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const ReauthCompletedEventRef = builder.objectRef<ReauthCompletedEvent>('ReauthCompletedEvent').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (event) => event.instance }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    tokensRemaining: t.int({
      resolve: async (event, _args, ctx) =>
        (await currentTokensLoader(ctx).load(event.instance.id)).filter((token) => token.status === 'AVAILABLE').length,
    }),
  }),
});

const organisationArgument = (id: DecodedId | null | undefined) => id && localId(id, 'Organisation');
const ORGANISATION_NOTE = "organisationId defaults to the key's own; the operator key must name one.";

/** An instance's events, optionally narrowed to one instance. */
function instanceEvents<T extends 'tokenExhausted' | 'reauthCompleted'>(
  ctx: Context,
  topic: T,
  args: { organisationId?: DecodedId | null; instanceId?: DecodedId | null },
) {
  const instanceId = args.instanceId && localId(args.instanceId, 'Instance');
  return ctx.services.subscriptions.subscribe(
    viewerOf(ctx),
    topic,
    organisationArgument(args.organisationId),
    (event) => !instanceId || (event as { instance: { id: string } }).instance.id === instanceId,
  );
}

builder.subscriptionFields((t) => ({
  instanceUpdated: t.field({
    type: InstanceRef,
    description: `An instance was added or changed status or token count. ${ORGANISATION_NOTE}`,
    args: { organisationId: t.arg.globalID() },
    subscribe: (_root, args, ctx) =>
      ctx.services.subscriptions.subscribe(viewerOf(ctx), 'instanceUpdated', organisationArgument(args.organisationId)),
    resolve: (instance) => instance,
  }),
  tokenExhausted: t.field({
    type: TokenExhaustedEventRef,
    description: `An instance ran out of tokens or Salesforce refused its grant: it needs reauthentication. ${ORGANISATION_NOTE}`,
    args: { organisationId: t.arg.globalID(), instanceId: t.arg.globalID() },
    subscribe: (_root, args, ctx) => instanceEvents(ctx, 'tokenExhausted', args),
    resolve: (event) => event,
  }),
  reauthCompleted: t.field({
    type: ReauthCompletedEventRef,
    description: `An instance was reauthenticated and has fresh tokens. ${ORGANISATION_NOTE}`,
    args: { organisationId: t.arg.globalID(), instanceId: t.arg.globalID() },
    subscribe: (_root, args, ctx) => instanceEvents(ctx, 'reauthCompleted', args),
    resolve: (event) => event,
  }),
  jobUpdated: t.field({
    type: JobRef,
    description: `A job was queued, moved or finished. ${ORGANISATION_NOTE}`,
    args: { organisationId: t.arg.globalID(), jobId: t.arg.globalID() },
    subscribe: (_root, args, ctx) => {
      const jobId = args.jobId && localId(args.jobId, 'Job');
      return ctx.services.subscriptions.subscribe(
        viewerOf(ctx),
        'jobUpdated',
        organisationArgument(args.organisationId),
        (job) => !jobId || job.id === jobId,
      );
    },
    resolve: (job) => job,
  }),
}));
