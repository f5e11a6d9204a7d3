import {
  InstanceNotConnectedError,
  InvalidInputError,
  InvalidStateError,
  NameTakenError,
  NotFoundError,
  ReauthenticationFailedError,
  SalesforceUnavailableError,
  TokenExpiredError,
  WrongSalesforceOrgError,
} from '../src/errors.ts';
import { builder } from './builder.ts';
import { InstanceRef } from './instance.ts';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFound',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', { description: 'The kind of thing that was looked for.' }),
  }),
});

builder.objectType(NameTakenError, {
  name: 'NameTaken',
  description: 'Names are unique: organisations among all, instances within their organisation (letter case aside).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity'),
    name: t.exposeString('name', { description: 'The name asked for.' }),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInput',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The argument that was refused.' }),
    values: t.exposeStringList('values', { description: 'The offending values, when the argument is a list.' }),
  }),
});

export const TokenExhaustionReasonEnum = builder.enumType('TokenExhaustionReason', {
  values: {
    LIMIT_REACHED: { description: 'Every token of the grant was used by jobs.' },
    REVOKED_BY_SALESFORCE: { description: 'Salesforce refused the refresh token (revoked, evicted by a sixth approval, or expired).' },
  },
});

builder.objectType(TokenExpiredError, {
  name: 'TokenExpired',
  description: 'No token is left on the instance: reauthenticate it with startReauthentication.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (error) => error.instanceId }),
    tokenLimit: t.exposeInt('tokenLimit'),
    tokensUsed: t.exposeInt('tokensUsed'),
    reason: t.expose('reason', { type: TokenExhaustionReasonEnum }),
  }),
});

builder.objectType(InstanceNotConnectedError, {
  name: 'InstanceNotConnected',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (error) => error.instanceId }),
  }),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidState',
  description: 'The reauthentication state is unknown, expired, already used or not this key\'s.',
  interfaces: [ErrorInterface],
});

builder.objectType(ReauthenticationFailedError, {
  name: 'ReauthenticationFailed',
  description: 'Salesforce refused the code exchange or the login.',
  interfaces: [ErrorInterface],
});

builder.objectType(WrongSalesforceOrgError, {
  name: 'WrongSalesforceOrg',
  description: 'The login was for another Salesforce org than the one this instance is connected to.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expectedOrgId: t.exposeString('expectedOrgId'),
    actualOrgId: t.exposeString('actualOrgId'),
  }),
});

builder.objectType(SalesforceUnavailableError, {
  name: 'SalesforceUnavailable',
  description: 'Salesforce could not be reached or failed; nothing was used up. Try again.',
  interfaces: [ErrorInterface],
});
