import { setTimeout as sleep } from 'node:timers/promises';
import jsforce from 'jsforce';
import type { ConnectedApp } from './oauth.ts';

export interface ApiUsage {
  used: number;
  max: number;
}

export interface SessionOptions {
  app: ConnectedApp;
  loginUrl: string;
  instanceUrl: string;
  accessToken: string;
  /**
   * The grant's refresh token as stored now: under rotation, a job start or another job may have
   * replaced the one this job began with, and the old one is dead.
   */
  refreshToken: () => string;
  /** Called when the org rotates the refresh token during an automatic refresh. */
  onRefreshTokenRotated: (refreshToken: string) => void;
  retry: { attempts: number; baseDelayMs: number };
  /** Share of the daily API limit the org's usage may reach before the job stops (0.5 = 50 %). */
  apiBudgetShare: number;
  signal: AbortSignal;
}

export class ApiBudgetExceededError extends Error {}

type RestRequest = string | { method: string; url: string; body?: string; headers?: Record<string, string> };

// Salesforce answers that are worth another try after a pause; jsforce itself retries only
// idempotent methods.
const TRANSIENT = new Set(['SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']);

function isTransient(error: unknown): boolean {
  const { name, code } = error as { name?: string; code?: string };
  return TRANSIENT.has(name ?? '') || TRANSIENT.has(code ?? '') || /^ERROR_HTTP_5\d\d$/.test(name ?? '');
}

// Refusals Salesforce gives before it carries a request out: the request had no effect.
const REFUSED_BEFORE_ANY_EFFECT = new Set([
  'REQUEST_LIMIT_EXCEEDED',
  'INVALID_SESSION_ID',
  'JSON_PARSER_ERROR',
  'EXCEEDED_ID_LIMIT',
  'INVALID_TYPE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'INSUFFICIENT_ACCESS',
]);

/**
 * A write whose answer was lost (timeout, 5xx, dropped connection): Salesforce may or may not have
 * carried it out, so it must not simply be sent again.
 */
export class UnknownOutcomeError extends Error {
  constructor(readonly cause: unknown) {
    const { name, message } = cause as Error;
    super(`Salesforce did not say whether the request was carried out (${name && name !== 'Error' ? `${name}: ` : ''}${message})`);
  }
}

function refusedBeforeAnyEffect(error: unknown): boolean {
  return REFUSED_BEFORE_ANY_EFFECT.has((error as { name?: string }).name ?? '');
}

export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
  }
}

/**
 * One job's conversation with Salesforce: jsforce (which refreshes the access token on a 401 and
 * replays), bounded retries of transient failures, a count of API calls and the last API usage.
 */
export class SalesforceSession {
  readonly connection: jsforce.Connection;
  apiCalls = 0;

  constructor(private readonly options: SessionOptions) {
    this.connection = new jsforce.Connection({
      oauth2: {
        loginUrl: options.loginUrl,
        clientId: options.app.clientId,
        clientSecret: options.app.clientSecret,
        redirectUri: options.app.redirectUri,
      },
      instanceUrl: options.instanceUrl,
      accessToken: options.accessToken,
      refreshToken: options.refreshToken(),
      // jsforce's own refresh would use the token it was given at the start.
      refreshFn: (connection, callback) => {
        connection.oauth2.refreshToken(options.refreshToken()).then(
          (response: jsforce.TokenResponse) => {
            callback(null, response.access_token, response);
          },
          (error: Error) => {
            callback(error);
          },
        );
      },
      version: options.app.apiVersion,
    });
    this.connection.on('refresh', (_accessToken: string, response: { refresh_token?: string }) => {
      if (response?.refresh_token) {
        this.connection.refreshToken = response.refresh_token;
        options.onRefreshTokenRotated(response.refresh_token);
      }
    });
  }

  get apiUsage(): ApiUsage | undefined {
    const usage = this.connection.limitInfo?.apiUsage;
    return usage ? { used: usage.used, max: usage.limit } : undefined;
  }

  throwIfCancelled() {
    if (this.options.signal.aborted) throw new CancelledError();
  }

  /** Stops before a call that would take the org's usage past the budget, as last reported. */
  private checkBudget() {
    const usage = this.apiUsage;
    const share = this.options.apiBudgetShare;
    if (usage && usage.used >= usage.max * share) {
      throw new ApiBudgetExceededError(
        `Stopped to stay within the API budget: ${usage.used} of ${usage.max} daily API calls used (budget ${Math.round(share * 100)} %)`,
      );
    }
  }

  /**
   * A REST call (a path below the API version, or a `/services/…` URL) that is safe to repeat
   * (a read, an update of known ids, a delete): retried when transient.
   */
  request<T>(request: RestRequest): Promise<T> {
    return this.withRetries(() => this.send<T>(request), isTransient);
  }

  /**
   * A call that must not take effect twice (a create): retried only after a refusal that comes
   * before any effect. Any other failure without Salesforce's answer is an UnknownOutcomeError.
   */
  async requestOnce<T>(request: RestRequest): Promise<T> {
    try {
      return await this.withRetries(() => this.send<T>(request), (error) => isTransient(error) && refusedBeforeAnyEffect(error));
    } catch (error) {
      if (refusedBeforeAnyEffect(error) || error instanceof CancelledError || error instanceof ApiBudgetExceededError) throw error;
      throw new UnknownOutcomeError(error);
    }
  }

  /** A Partner SOAP call through jsforce (Salesforce has no REST undelete), counted like REST calls. */
  soap<T>(call: (soap: jsforce.Connection['soap']) => Promise<T>, retry: (error: unknown) => boolean = isTransient): Promise<T> {
    return this.withRetries(() => call(this.connection.soap), retry);
  }

  private send<T>(request: RestRequest): Promise<T> {
    const normalised = typeof request === 'string' ? { method: 'GET' as const, url: request } : request;
    return this.connection.request(
      {
        ...normalised,
        method: normalised.method as 'GET',
        headers: { 'content-type': 'application/json', ...normalised.headers },
      },
      // Retries are ours, for every method alike (jsforce would retry only GETs, sleeping up to 15 s).
      { retry: { maxRetries: 0 } },
    );
  }

  private async withRetries<T>(call: () => Promise<T>, retryable: (error: unknown) => boolean): Promise<T> {
    const { attempts, baseDelayMs } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      this.throwIfCancelled();
      this.checkBudget();
      this.apiCalls += 1;
      try {
        return await call();
      } catch (error) {
        if (!retryable(error) || attempt >= attempts) throw error;
        await sleep(baseDelayMs * 2 ** (attempt - 1), undefined, { signal: this.options.signal }).catch(() => {});
      }
    }
  }
}
