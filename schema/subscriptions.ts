import type { ApiKeyChangedEvent, InstanceRemovedEvent, OrganisationChangedEvent, ReauthCompletedEvent, TokenExhaustedEvent, TokensLowEvent } from '../src/events.ts';
import { ApiKeyRef } from './api-key.ts';
import { builder, viewerOf, type Context } from './builder.ts';
import { TokenExhaustionReasonEnum } from './errors.ts';
import { globalId } from './ids.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';
import { tokenCount, visibleInstances } from './loaders.ts';
import { OrganisationRef } from './organisation.ts';

const TokenExhaustedEventRef = builder.objectRef<TokenExhaustedEvent>('TokenExhaustedEvent').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (event) => event.instance.id }),
    message: t.exposeString('message'),
    reason: t.expose('reason', { type: TokenExhaustionReasonEnum }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const ReauthCompletedEventRef = builder.objectRef<ReauthCompletedEvent>('ReauthCompletedEvent').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (event) => event.instance.id }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    tokensRemaining: t.int({ resolve: (event, _args, ctx) => tokenCount(ctx, event.instance.id, 'AVAILABLE') }),
  }),
});

const ChangeEnum = builder.enumType('Change', { values: ['CREATED', 'UPDATED', 'DELETED'] as const });

const OrganisationChangedEventRef = builder.objectRef<OrganisationChangedEvent>('OrganisationChangedEvent').implement({
  description: 'An organisation was created, renamed or deleted.',
  fields: (t) => ({
    change: t.expose('change', { type: ChangeEnum }),
    organisationId: t.id({ resolve: (event) => globalId('Organisation', event.organisationId) }),
    organisation: t.field({
      type: OrganisationRef,
      nullable: true,
      description: 'The organisation as it stands now; null once deleted.',
      resolve: (event) => (event.change === 'DELETED' ? null : event.organisationId),
    }),
  }),
});

const InstanceRemovedEventRef = builder.objectRef<InstanceRemovedEvent>('InstanceRemovedEvent').implement({
  description: 'An instance was deleted, with its snapshots and jobs.',
  fields: (t) => ({
    instanceId: t.id({ resolve: (event) => globalId('Instance', event.instanceId) }),
    organisation: t.field({ type: OrganisationRef, resolve: (event) => event.organisationId }),
  }),
});

const ApiKeyChangedEventRef = builder.objectRef<ApiKeyChangedEvent>('ApiKeyChangedEvent').implement({
  description: 'A key was minted (CREATED) or revoked (UPDATED, with revokedAt set).',
  fields: (t) => ({
    change: t.expose('change', { type: ChangeEnum }),
    apiKey: t.field({ type: ApiKeyRef, resolve: (event) => event.apiKey }),
  }),
});

const TokensLowEventRef = builder.objectRef<TokensLowEvent>('TokensLowEvent').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (event) => event.instance.id }),
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
      description: `An instance was added or changed status or token count; left out when the instance is deleted before the change is read (instanceRemoved follows). ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID() },
      subscribe: (_root, args, ctx) =>
        ctx.services.subscriptions.subscribe(viewerOf(ctx), 'instanceUpdated', organisationOf(args.organisationId), async (instance) =>
          (await visibleInstances(ctx.services, viewerOf(ctx), [instance.id])).length > 0,
        ),
      // Through the loader, as a query reads it: never a partial row a publisher held.
      resolve: (instance) => instance.id,
    }),
    instanceRemoved: t.field({
      type: InstanceRemovedEventRef,
      description: `An instance was deleted. ${ORGANISATION_NOTE}`,
      args: { organisationId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.subscribe(viewerOf(ctx), 'instanceRemoved', organisationOf(args.organisationId)),
      resolve: (event) => event,
    }),
    organisationChanged: t.field({
      type: OrganisationChangedEventRef,
      description: "An organisation was created, renamed or deleted. The operator key without organisationId hears every organisation's; another key its own organisation's.",
      args: { organisationId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.subscribe(viewerOf(ctx), 'organisationChanged', organisationOf(args.organisationId)),
      resolve: (event) => event,
    }),
    apiKeyChanged: t.field({
      type: ApiKeyChangedEventRef,
      description: `A key of the organisation was minted or revoked. Role ADMIN. ${ORGANISATION_NOTE}`,
      authScopes: { role: 'ADMIN' },
      args: { organisationId: t.arg.globalID() },
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.subscribe(viewerOf(ctx), 'apiKeyChanged', organisationOf(args.organisationId)),
      resolve: (event) => event,
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
      // The row as it was when published: a QUEUED event must still say QUEUED once the job runs.
      resolve: (job) => job,
    }),
  };
});
