/** Failures a client can act on; the schema turns each into a typed result. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(
    readonly entity: string,
    id: string,
  ) {
    super(`${entity} ${id} was not found`);
  }
}

export class InvalidInputError extends DomainError {
  constructor(
    message: string,
    readonly field: string,
    readonly values: string[] = [],
  ) {
    super(message);
  }
}

/** What a job start or a job answers when the instance has no usable token left. */
export const TOKEN_EXPIRED_MESSAGE = 'expired access/refresh token';

export type TokenExhaustionReason = 'LIMIT_REACHED' | 'REVOKED_BY_SALESFORCE';

/** No token left on the instance's current grant: the user must reauthenticate. */
export class TokenExpiredError extends DomainError {
  constructor(
    readonly instanceId: string,
    readonly tokenLimit: number,
    readonly tokensUsed: number,
    readonly reason: TokenExhaustionReason,
  ) {
    super(TOKEN_EXPIRED_MESSAGE);
  }
}

export class InstanceNotConnectedError extends DomainError {
  constructor(readonly instanceId: string) {
    super('The instance has never been connected: grant access to Salesforce first');
  }
}

export class InvalidStateError extends DomainError {}

export class ReauthenticationFailedError extends DomainError {}

export class WrongSalesforceOrgError extends DomainError {
  constructor(
    readonly expectedOrgId: string,
    readonly actualOrgId: string,
  ) {
    super(`This instance belongs to Salesforce org ${expectedOrgId}, but the login was for org ${actualOrgId}`);
  }
}

/** Salesforce could not be reached or answered with a transient error; nothing was used up. */
export class SalesforceUnavailableError extends DomainError {}

/** A job stopped for a reason its user can act on; the message says what happened and what to do. */
export class JobStoppedError extends DomainError {}
