import type { YogaLogger } from 'graphql-yoga';
import type { JobRow } from '../../db/schema.ts';
import { JobStoppedError, TOKEN_EXPIRED_MESSAGE } from '../errors.ts';
import { isGrantRejected, salesforceFailure } from '../salesforce/errors.ts';
import { CancelledError } from '../salesforce/session.ts';
import type { Announcements } from '../services/announcements.ts';
import type { TokenService } from '../services/tokens.ts';
import type { Outcome } from '../../db/job-claims.ts';

/**
 * How a job that threw ends, in words its user can act on. A grant Salesforce refused also
 * expires the instance's tokens and says so.
 */
export async function outcomeOf(job: JobRow, error: unknown, signal: AbortSignal, { tokens, announce, logger }: { tokens: TokenService; announce: Announcements; logger: YogaLogger }): Promise<Outcome> {
  if (error instanceof CancelledError || signal.aborted) return { status: 'CANCELLED' };
  if (isGrantRejected(error)) {
    if (job.grantId) {
      const rejection = await tokens.reject(job.grantId);
      if (rejection.exhaustedNow) announce.tokensExhausted(rejection.instance, 'REVOKED_BY_SALESFORCE');
    }
    return { status: 'FAILED', error: TOKEN_EXPIRED_MESSAGE };
  }
  if (error instanceof JobStoppedError) return { status: 'FAILED', error: error.message };
  const answered = salesforceFailure(error);
  if (answered) return { status: 'FAILED', error: answered };
  // Never an internal exception's text: the details go to the log, the user gets what to do.
  logger.warn(`Job ${job.id} failed: ${(error as Error).stack ?? String(error)}`);
  return {
    status: 'FAILED',
    error: `The job stopped on an unexpected error in the service; nothing more was written. Start it again, and if it stops again, report job ${job.id}.`,
  };
}
