import { setTimeout as sleep } from 'node:timers/promises';
import jsforce from 'jsforce';
import { ApiBudgetExceededError, CancelledError, isTransient } from './errors.ts';
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

  /** A REST call (a path below the API version, or a `/services/…` URL), retried when transient. */
  async request<T>(request: string | { method: string; url: string; body?: string; headers?: Record<string, string> }): Promise<T> {
    const { attempts, baseDelayMs } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      this.throwIfCancelled();
      this.checkBudget();
      this.apiCalls += 1;
      try {
        const normalised = typeof request === 'string' ? { method: 'GET' as const, url: request } : request;
        return (await this.connection.request(
          {
            ...normalised,
            method: normalised.method as 'GET',
            headers: { 'content-type': 'application/json', ...normalised.headers },
          },
          // Retries are ours, for every method alike (jsforce would retry only GETs, sleeping up to 15 s).
          { retry: { maxRetries: 0 } },
        ));
      } catch (error) {
        if (!isTransient(error) || attempt >= attempts) throw error;
        await sleep(baseDelayMs * 2 ** (attempt - 1), undefined, { signal: this.options.signal }).catch(() => {});
      }
    }
  }
}
