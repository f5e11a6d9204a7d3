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
  refreshToken: () => Promise<string>;
  /** Called when the org rotates the refresh token during an automatic refresh. */
  onRefreshTokenRotated: (refreshToken: string) => void;
  retry: { attempts: number; baseDelayMs: number };
  /** Share of the daily API limit the org's usage may reach before the job stops (0.5 = 50 %). */
  apiBudgetShare: number;
  signal: AbortSignal;
}

export class ApiBudgetExceededError extends Error {}

type RestRequest = string | { method: string; url: string; body?: string | Buffer; headers?: Record<string, string> };

// Salesforce answers that are worth another try after a pause; jsforce itself retries only
// idempotent methods.
// The last two are OAuth's own words for a token endpoint that cannot answer now.
const TRANSIENT = new Set([
  'SERVER_UNAVAILABLE',
  'REQUEST_LIMIT_EXCEEDED',
  'UNABLE_TO_LOCK_ROW',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  // fetch's (undici's) own: a socket closed under a request, a connection or answer that timed out.
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'temporarily_unavailable',
  'server_error',
]);

export function isTransient(error: unknown): boolean {
  const { name, code, cause } = error as { name?: string; code?: string; cause?: unknown };
  if (TRANSIENT.has(name ?? '') || TRANSIENT.has(code ?? '') || /^ERROR_HTTP_5\d\d$/.test(name ?? '')) return true;
  // fetch reports a network failure as "fetch failed", the socket's error as its cause.
  return error instanceof TypeError && cause !== undefined && isTransient(cause);
}

/** Salesforce's error body as jsforce would throw it: `name` is the error code. */
async function httpError(response: Response): Promise<Error> {
  const text = await response.text();
  let error: Error;
  try {
    const [first] = JSON.parse(text) as { errorCode: string; message: string }[];
    error = new Error(first.message);
    error.name = first.errorCode;
  } catch {
    error = new Error(text.slice(0, 200) || response.statusText);
    error.name = `ERROR_HTTP_${response.status}`;
  }
  return Object.assign(error, { status: response.status });
}

/**
 * Whether a failed call leaves its effect unknown: no answer from Salesforce at all (a socket
 * error, a timeout), or a server error (5xx). Any other error answer refused the request.
 */
function answerLost(error: unknown): boolean {
  const { name, errorCode } = error as { name?: string; errorCode?: string };
  if (!errorCode) return true;
  return name === 'SERVER_UNAVAILABLE' || name === 'UNKNOWN_EXCEPTION' || /^ERROR_HTTP_5\d\d$/.test(name ?? '');
}

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
  /** Calls that failed, whether retried or not. */
  apiErrors = 0;

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
      // jsforce's own refresh would use the token it was given at the start, and would not retry
      // a token endpoint that is briefly unavailable.
      refreshFn: (connection, callback) => {
        this.withRetries(async () => connection.oauth2.refreshToken(await options.refreshToken()), isTransient).then(
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
   * A GET whose body the caller streams (files, Bulk API 2.0 CSV pages), with its headers. jsforce
   * reads every body whole as text, so this goes through fetch with the session's access token:
   * a 401 refreshes it through jsforce, once, and transient failures are retried as in `request`.
   */
  download(path: string): Promise<Response> {
    const url = path.startsWith('/services/') ? `${this.connection.instanceUrl}${path}` : `${this.connection.instanceUrl}/services/data/v${this.connection.version}${path}`;
    return this.withRetries(() => this.fetch(url), isTransient);
  }

  private async fetch(url: string, refreshed = false): Promise<Response> {
    const sentAt = Date.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${this.connection.accessToken}` }, signal: this.options.signal }).catch((error: unknown) => {
      throw this.options.signal.aborted ? new CancelledError() : error;
    });
    this.noteLimitInfo(response.headers.get('sforce-limit-info'));
    if (response.ok) return response;
    if (response.status === 401 && !refreshed && this.connection._refreshDelegate) {
      await response.body?.cancel();
      await this.connection._refreshDelegate.refresh(sentAt);
      return this.fetch(url, true);
    }
    throw await httpError(response);
  }

  /** Keeps the org's API usage current from a response jsforce did not see. */
  private noteLimitInfo(header: string | null) {
    const match = header && /api-usage=(\d+)\/(\d+)/.exec(header);
    if (match) this.connection.limitInfo = { apiUsage: { used: Number(match[1]), limit: Number(match[2]) } };
  }

  /**
   * A REST call (a path below the API version, or a `/services/…` URL) that is safe to repeat
   * (a read, an update of known ids, a delete): retried when transient.
   */
  request<T>(request: RestRequest): Promise<T> {
    return this.withRetries(() => this.send<T>(request), isTransient);
  }

  /**
   * A call that must not take effect twice (a create): retried only after a transient refusal
   * (REQUEST_LIMIT_EXCEEDED, a lock). A failure that leaves its effect unknown is an UnknownOutcomeError.
   */
  async requestOnce<T>(request: RestRequest): Promise<T> {
    try {
      return await this.withRetries(() => this.send<T>(request), (error) => isTransient(error) && !answerLost(error));
    } catch (error) {
      if (error instanceof CancelledError || error instanceof ApiBudgetExceededError || !answerLost(error)) throw error;
      throw new UnknownOutcomeError(error);
    }
  }

  /**
   * A call that lets go of what a stopped job started in Salesforce (a Bulk API 2.0 job still
   * running): sent once, even after a cancel or past the API budget, and counted.
   */
  release<T>(request: RestRequest): Promise<T> {
    this.apiCalls += 1;
    return this.send<T>(request);
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
        if (!this.options.signal.aborted) this.apiErrors += 1;
        if (!retryable(error) || attempt >= attempts) throw error;
        await sleep(baseDelayMs * 2 ** (attempt - 1), undefined, { signal: this.options.signal }).catch(() => {});
      }
    }
  }
}
