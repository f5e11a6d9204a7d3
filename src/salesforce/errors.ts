/**
 * What a failed Salesforce call means. jsforce names the errors of Salesforce's answers after
 * their error code (`INVALID_FIELD`, `REQUEST_LIMIT_EXCEEDED`), names socket failures by their
 * Node code, and throws a plain Error when its automatic token refresh fails.
 */

/** The org's daily API usage reached the share a job may use. */
export class ApiBudgetExceededError extends Error {}

/** The job was cancelled or the service is stopping. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
  }
}

// Answers worth another try after a pause; jsforce itself retries only idempotent methods.
const TRANSIENT = new Set(['SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']);

export function isTransient(error: unknown): boolean {
  const { name, code } = error as { name?: string; code?: string };
  return TRANSIENT.has(name ?? '') || TRANSIENT.has(code ?? '') || /^ERROR_HTTP_5\d\d$/.test(name ?? '');
}

// invalid_grant descriptions: revoked or expired token, changed password, deactivated user or org.
const GRANT_REJECTIONS = ['expired access/refresh token', 'authentication failure', 'inactive user', 'inactive organization'];
const REFRESH_FAILED = 'Unable to refresh session due to: ';

/**
 * Whether Salesforce refused the grant itself: `invalid_grant` from a direct token call, or the
 * plain Error jsforce throws when its automatic refresh fails (it keeps only the description).
 */
export function isGrantRejected(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'invalid_grant') return true;
  return error.message.startsWith(REFRESH_FAILED) && GRANT_REJECTIONS.includes(error.message.slice(REFRESH_FAILED.length));
}

/**
 * A failure as a job reports it: Salesforce's error code before its message. `expected` is false
 * for failures that are not Salesforce's answer (a bug, a broken socket), which are worth logging.
 */
export function describeFailure(error: unknown): { message: string; expected: boolean } {
  if (!(error instanceof Error)) return { message: String(error), expected: false };
  if (error instanceof ApiBudgetExceededError) return { message: error.message, expected: true };
  const salesforceCode = /^[A-Z][A-Z0-9_]*$/.test(error.name) ? error.name : undefined;
  return salesforceCode ? { message: `${salesforceCode}: ${error.message}`, expected: true } : { message: error.message, expected: false };
}
