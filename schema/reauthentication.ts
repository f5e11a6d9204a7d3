import {
  InvalidStateError,
  NotFoundError,
  ReauthenticationFailedError,
  WrongSalesforceOrgError,
} from '../src/errors.ts';
import type { ReauthenticationPreview, ReauthenticationStarted } from '../src/services/reauthentication.ts';
import { builder, viewerOf } from './builder.ts';
import { InstanceRef } from './instance.ts';

const ReauthenticationStartedRef = builder.objectRef<ReauthenticationStarted>('ReauthenticationStarted').implement({
  description: 'Send the user to authorizationUrl; Salesforce redirects back to PUBLIC_URL/oauth/callback.',
  fields: (t) => ({
    authorizationUrl: t.exposeString('authorizationUrl'),
    state: t.exposeString('state', { description: 'Single use; pass it to completeReauthentication when handling the redirect yourself.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    instance: t.field({ type: InstanceRef, resolve: (started) => started.instance }),
    approvalWarning: t.exposeString('approvalWarning', {
      nullable: true,
      description: "Show before redirecting: this login would make Salesforce revoke another instance's grant (five approvals per user).",
    }),
    approvalsHeld: t.exposeInt('approvalsHeld', { description: 'Live grants in this service of the Salesforce user last seen on the instance.' }),
    wouldRevoke: t.field({ type: InstanceRef, nullable: true, description: 'The instance that would lose access.', resolve: (started) => started.wouldRevoke }),
  }),
});

const ReauthenticationPreviewRef = builder.objectRef<ReauthenticationPreview>('ReauthenticationPreview').implement({
  description: 'Who logged in at Salesforce, to show before completeReauthentication connects that login to the instance.',
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (preview) => preview.instance }),
    username: t.exposeString('username', { description: 'The Salesforce user who logged in.' }),
    salesforceOrgId: t.exposeString('salesforceOrgId'),
    salesforceInstanceUrl: t.exposeString('salesforceInstanceUrl'),
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
  previewReauthentication: t.field({
    type: ReauthenticationPreviewRef,
    description:
      'Exchanges the code Salesforce gave the browser and says who logged in, connecting nothing yet. Only a key of the organisation that started it. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [InvalidStateError, ReauthenticationFailedError, WrongSalesforceOrgError] },
    args: { state: t.arg.string({ required: true }), code: t.arg.string({ required: true }) },
    resolve: (_root, { state, code }, ctx) => ctx.services.reauthentication.preview(viewerOf(ctx), state, code),
  }),
  completeReauthentication: t.field({
    type: InstanceRef,
    description:
      'Connects the login Salesforce sent back (state and code from the redirect) to the instance. Only a key of the organisation that started it: /oauth/callback hands the code to the dashboard, which calls this. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: { types: [InvalidStateError, ReauthenticationFailedError, WrongSalesforceOrgError] },
    args: { state: t.arg.string({ required: true }), code: t.arg.string({ required: true }) },
    resolve: (_root, { state, code }, ctx) => ctx.services.reauthentication.complete(viewerOf(ctx), state, code),
  }),
}));
