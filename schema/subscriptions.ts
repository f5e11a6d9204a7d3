import type { ReauthCompletedEvent, TokenExhaustedEvent, TokensLowEvent } from '../src/events.ts';
import { builder, viewerOf, type Context } from './builder.ts';
import { TokenExhaustionReasonEnum } from './errors.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';
import { tokenCount } from './loaders.ts';
import { OrganisationRef } from './organisation.ts';

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
    tokensRemaining: t.int({ resolve: (event, _args, ctx) => tokenCount(ctx, event.instance.id, 'AVAILABLE') }),
  }),
});

const TokensLowEventRef = builder.objectRef<TokensLowEvent>('TokensLowEvent').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (event) => event.instance }),
    tokensRemaining: t.exposeInt('tokensRemaining'),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const ORGANISATION_NOTE = "organisationId defaults to the key's own; the operator key must name one.";

type GlobalId = { typename: string; id: string } | null | undefined;

const organisationOf = (id: GlobalId) => (id ? OrganisationRef.idFrom(id) : undefined);

/** An instance's events, optionally narrowed to one instance. */
function instanceEvents(ctx: Context, topic: 'tokenExhausted' | 'reauthCompleted' | 'tokensLow', args: { organisationId?: GlobalId; instanceId?: GlobalId }) {
  const instanceId = args.instanceId && InstanceRef.idFrom(args.instanceId);
  return ctx.services.subscriptions.subscribe(viewerOf(ctx), topic, organisationOf(args.organisationId), (event) => !instanceId || event.instance.id === instanceId);
}

builder.subscriptionFields((t) => {
  return {
    instanceUpdated: t.field({
      type: InstanceRef,
      description: `An instance was added or changed status or token count. ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.subscribe(viewerOf(ctx), 'instanceUpdated', organisationOf(args.organisationId)),
      resolve: (instance) => instance,
    }),
    tokenExhausted: t.field({
      type: TokenExhaustedEventRef,
      description: `An instance ran out of tokens or Salesforce refused its grant: it needs reauthentication. ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID(), instanceId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => instanceEvents(ctx, 'tokenExhausted', args) as AsyncIterable<TokenExhaustedEvent>,
      resolve: (event) => event,
    }),
    reauthCompleted: t.field({
      type: ReauthCompletedEventRef,
      description: `An instance was reauthenticated and has fresh tokens. ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID(), instanceId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => instanceEvents(ctx, 'reauthCompleted', args) as AsyncIterable<ReauthCompletedEvent>,
      resolve: (event) => event,
    }),
    tokensLow: t.field({
      type: TokensLowEventRef,
      description: `A job start left an instance TOKEN_WARNING_AT tokens (default 1): reauthenticate before they run out. Once per grant. ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID(), instanceId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => instanceEvents(ctx, 'tokensLow', args) as AsyncIterable<TokensLowEvent>,
      resolve: (event) => event,
    }),
    jobUpdated: t.field({
      type: JobRef,
      description: `A job was queued, moved or finished. ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID(), jobId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => {
        const jobId = args.jobId && JobRef.idFrom(args.jobId);
        return ctx.services.subscriptions.subscribe(viewerOf(ctx), 'jobUpdated', organisationOf(args.organisationId), (job) => !jobId || job.id === jobId);
      },
      resolve: (job) => job,
    }),
  };
});
