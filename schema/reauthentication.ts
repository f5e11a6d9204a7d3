import {
  InvalidStateError,
  NotFoundError,
  ReauthenticationFailedError,
  WrongSalesforceOrgError,
} from '../src/errors.ts';
import type { ReauthenticationStarted } from '../src/services/reauthentication.ts';
import { builder, viewerOf } from './builder.ts';
import { InstanceRef } from './instance.ts';

const ReauthenticationStartedRef = builder.objectRef<ReauthenticationStarted>('ReauthenticationStarted').implement({
  description: 'Send the user to authorizationUrl; Salesforce redirects back to PUBLIC_URL/oauth/callback.',
  fields: (t) => ({
    authorizationUrl: t.exposeString('authorizationUrl'),
    state: t.exposeString('state', { description: 'Single use; pass it to completeReauthentication when handling the redirect yourself.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    instance: t.field({ type: InstanceRef, resolve: (started) => started.instance }),
  }),
});

builder.mutationFields((t) => ({
  startReauthentication: t.field({
    type: ReauthenticationStartedRef,
    description: 'Begins Salesforce\'s OAuth login for the instance ("grant access permissions"). Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [NotFoundError] },
    args: { instanceId: t.arg.globalID({ required: true }) },
    resolve: (_root, { instanceId }, ctx) => ctx.services.reauthentication.start(viewerOf(ctx), InstanceRef.idFrom(instanceId)),
  }),
  completeReauthentication: t.field({
    type: InstanceRef,
    description: 'For clients that handle the redirect themselves: the same as the browser landing on /oauth/callback. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [InvalidStateError, ReauthenticationFailedError, WrongSalesforceOrgError] },
    args: { state: t.arg.string({ required: true }), code: t.arg.string({ required: true }) },
    resolve: (_root, { state, code }, ctx) => ctx.services.reauthentication.complete(viewerOf(ctx), state, code),
  }),
}));
