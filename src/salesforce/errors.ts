import { ApiBudgetExceededError } from './session.ts';

/**
 * What a failed Salesforce call means. jsforce names the errors of Salesforce's answers after
 * their error code (`INVALID_FIELD`, `REQUEST_LIMIT_EXCEEDED`), names socket failures by their
 * Node code, and throws a plain Error when its automatic token refresh fails.
 */

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
 * A failure as a job reports it when Salesforce answered it: its error code and words, or the
 * budget the job would have passed. Undefined for any other failure, whose text is the service's
 * own and stays in the log.
 */
export function salesforceFailure(error: unknown): string | undefined {
  if (error instanceof ApiBudgetExceededError) return error.message;
  const { name, message } = error as Error;
  return name && /^[A-Z][A-Z0-9_]+$/.test(name) ? `${name}: ${message}` : undefined;
}
