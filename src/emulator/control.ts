import type { IncomingMessage } from 'node:http';
import type { FaultRule } from './faults.ts';
import { apiError, readBody } from './http.ts';
import type { BulkJobSettings } from './org-data/index.ts';
import type { EmulatorState } from './server.ts';
import type { EmulatorResponse } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const ENVIRONMENTS = new Set(['PRODUCTION', 'SANDBOX']);

export interface FailNextRule {
  method?: string;
  /** A path prefix (e.g. `/services/data/v62.0/query`), or a regular expression when it starts with `^`. */
  path: string;
  /** How many matching requests fail; 1 when absent. */
  count?: number;
  /** Required unless `apply` or `drop` is set; with `apply` alone the request gets its real answer, after `holdMs`. */
  status?: number;
  /** JSON value or string; Salesforce's SERVER_UNAVAILABLE error when absent. */
  body?: unknown;
  /** Only requests to this org; both when absent. */
  environment?: 'PRODUCTION' | 'SANDBOX';
  /** Carry the request out first, then fail: a write that took effect though its caller saw an error. */
  apply?: boolean;
  /** Drop the connection without an answer instead of answering `status` (which may then be left out). */
  drop?: boolean;
  /** With `apply`: hold the answer back this many milliseconds after the request was carried out. */
  holdMs?: number;
  /** With `apply` and `drop`: drop the connection once the request is read, and carry it out this many milliseconds later. */
  commitAfterMs?: number;
  /** With `apply`: send the real answer's head and this many bytes of its body, then drop the connection (a transfer cut off). */
  cutAfterBytes?: number;
}

class ControlInputError extends Error {}

function failNextRule(input: Record<string, unknown>): FaultRule {
  const { method, path, count = 1, body, environment, apply = false, drop = false, holdMs = 0, commitAfterMs = 0, cutAfterBytes } = input;
  const status = input.status ?? (drop ? 503 : undefined);
  if (typeof path !== 'string' || path === '') throw new ControlInputError('path must be a non-empty string');
  if (path.startsWith('^')) {
    try {
      new RegExp(path);
    } catch {
      throw new ControlInputError(`path is not a valid regular expression: ${path}`);
    }
  }
  if (status === undefined ? !apply : !Number.isInteger(status) || (status as number) < 100 || (status as number) > 599) {
    throw new ControlInputError('status must be an HTTP status code');
  }
  if (!Number.isFinite(holdMs) || (holdMs as number) < 0) throw new ControlInputError('holdMs must be a non-negative number');
  if (!Number.isFinite(commitAfterMs) || (commitAfterMs as number) < 0 || (commitAfterMs as number) > 600_000) {
    throw new ControlInputError('commitAfterMs must be a number of milliseconds up to 600000, the 10 minutes Salesforce lets a call run');
  }
  if (commitAfterMs && !(apply && drop)) throw new ControlInputError('commitAfterMs needs apply and drop');
  if (cutAfterBytes !== undefined && (!Number.isInteger(cutAfterBytes) || (cutAfterBytes as number) < 0)) throw new ControlInputError('cutAfterBytes must be a non-negative integer');
  if (cutAfterBytes !== undefined && (!apply || drop || input.status !== undefined)) throw new ControlInputError('cutAfterBytes needs apply, without drop or status');
  if (!Number.isInteger(count) || (count as number) < 1) throw new ControlInputError('count must be a positive integer');
  if (method !== undefined && typeof method !== 'string') throw new ControlInputError('method must be a string');
  if (environment !== undefined && !ENVIRONMENTS.has(environment as string)) throw new ControlInputError('environment must be PRODUCTION or SANDBOX');
  if (typeof apply !== 'boolean' || typeof drop !== 'boolean') throw new ControlInputError('apply and drop must be booleans');
  return {
    method,
    path,
    count: count as number,
    status: status as number | undefined,
    body,
    environment: environment as string | undefined,
    apply,
    drop,
    holdMs: holdMs as number,
    commitAfterMs: commitAfterMs as number,
    cutAfterBytes: cutAfterBytes as number | undefined,
  };
}

function nonNegative(value: unknown, name: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new ControlInputError(`${name} must be a non-negative number`);
  return number;
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new ControlInputError(`${name} must be a boolean`);
  return value;
}

async function readInput(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (req.method !== 'POST') return {};
  const text = await readBody(req);
  try {
    const input: unknown = JSON.parse(text || '{}');
    if (input && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ControlInputError('the body must be a JSON object');
}

function environmentOf(input: Record<string, unknown>): 'PRODUCTION' | 'SANDBOX' | undefined {
  const { environment } = input;
  if (environment !== undefined && !ENVIRONMENTS.has(environment as string)) throw new ControlInputError('environment must be PRODUCTION or SANDBOX');
  return environment as 'PRODUCTION' | 'SANDBOX' | undefined;
}

/** Test and demo controls under /__emulator/, loopback only. */
export async function handleControl(state: EmulatorState, req: IncomingMessage, url: URL): Promise<EmulatorResponse> {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return apiError(403, 'FORBIDDEN', 'Control endpoints answer loopback clients only');
  const action = url.pathname.slice('/__emulator/'.length);
  const control = controls(state);
  const ok = { status: 200, body: { ok: true } };
  try {
    const input = await readInput(req);
    switch (`${req.method} ${action}`) {
      case 'GET counters':
        return { status: 200, body: control.counters() };
      case 'POST revoke-user':
        if (typeof input.username !== 'string') throw new ControlInputError('username must be a string');
        return { status: 200, body: { revoked: control.revokeAllTokens(input.username) } };
      case 'POST expire-access-tokens':
        control.expireAccessTokens();
        return ok;
      case 'POST fail-next':
        state.faults.add(failNextRule(input));
        return ok;
      case 'POST latency':
        control.setLatency(nonNegative(input.ms ?? 0, 'ms'));
        return ok;
      case 'POST api-limit':
        control.setDailyApiLimit(nonNegative(input.max, 'max'), input.used === undefined ? undefined : nonNegative(input.used, 'used'));
        return ok;
      case 'POST reset-api-usage':
        control.resetApiUsage();
        return ok;
      case 'POST reset-faults':
        control.resetFaults();
        return ok;
      case 'POST empty-recycle-bin':
        return { status: 200, body: { purged: control.emptyRecycleBin(environmentOf(input)) } };
      case 'POST age-recycle-bin':
        return { status: 200, body: { purged: control.ageRecycleBin(nonNegative(input.days ?? 16, 'days'), environmentOf(input)) } };
      case 'POST bulk-jobs': {
        const settings: Partial<BulkJobSettings> = {};
        if (input.processingMs !== undefined) settings.processingMs = nonNegative(input.processingMs, 'processingMs');
        if (input.pageRecords !== undefined) settings.pageRecords = Math.max(1, nonNegative(input.pageRecords, 'pageRecords'));
        if (input.failNext !== undefined) {
          if (typeof input.failNext !== 'string') throw new ControlInputError('failNext must be a string');
          settings.failNext = input.failNext;
        }
        control.configureBulkJobs(settings, environmentOf(input));
        return ok;
      }
      case 'POST automation':
        control.setAutomation({ assignmentRules: optionalBoolean(input.assignmentRules, 'assignmentRules'), duplicateRules: optionalBoolean(input.duplicateRules, 'duplicateRules') });
        return ok;
      default:
        return apiError(404, 'NOT_FOUND', `Unknown control ${req.method} /__emulator/${action}`);
    }
  } catch (error) {
    if (error instanceof ControlInputError) return apiError(400, 'INVALID_INPUT', error.message);
    throw error;
  }
}

const orgsOf = (state: EmulatorState, environment?: 'PRODUCTION' | 'SANDBOX') =>
  state.orgs.filter((org) => !environment || org.definition.environment === environment);

/** The same controls for code that holds the emulator object. */
export function controls(state: EmulatorState) {
  return {
    /** An admin revokes every refresh and access token of the user; returns how many refresh tokens died. */
    revokeAllTokens: (username: string) => state.tokens.revokeUser(username),
    expireAccessTokens: () => state.tokens.expireAccessTokens(),
    /** Throws on a malformed rule (bad status, count, path regexp). */
    failNext: (rule: FailNextRule) => state.faults.add(failNextRule({ ...rule })),
    setLatency: (ms: number) => {
      state.faults.latencyMs = ms;
    },
    /** Sets every org's daily API limit and, optionally, the usage so far. */
    setDailyApiLimit: (max: number, used?: number) => {
      for (const org of state.orgs) {
        org.dailyApiLimit = max;
        if (used !== undefined) org.apiUsed = used;
      }
    },
    /** A new day: every org's API usage back to zero. */
    resetApiUsage: () => {
      for (const org of state.orgs) org.apiUsed = 0;
    },
    /** `emptyRecycleBin` in each org (or the one named): returns how many records were purged. */
    emptyRecycleBin: (environment?: 'PRODUCTION' | 'SANDBOX') => orgsOf(state, environment).reduce((sum, org) => sum + org.data.emptyRecycleBin(), 0),
    /** Lets `days` pass for the recycle bins: what was deleted more than 15 days ago is purged. */
    ageRecycleBin: (days: number, environment?: 'PRODUCTION' | 'SANDBOX') =>
      orgsOf(state, environment).reduce((sum, org) => sum + org.data.ageRecycleBin(days), 0),
    configureBulkJobs: (settings: Partial<BulkJobSettings>, environment?: 'PRODUCTION' | 'SANDBOX') =>
      orgsOf(state, environment).forEach((org) => org.data.configureBulkJobs(settings)),
    /** Turns every org's assignment rules and Account duplicate rule on or off (both on by default). */
    setAutomation: (settings: { assignmentRules?: boolean; duplicateRules?: boolean }) => {
      const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
      for (const org of state.orgs) org.data.setAutomation(defined);
    },
    /** Drops pending fault rules and latency. */
    resetFaults: () => state.faults.clear(),
    counters: () => ({
      ...state.tokens.counters,
      faultsPending: state.faults.pending,
      lateCommitsPending: state.faults.lateCommitsPending,
      orgs: Object.fromEntries(
        state.orgs.map((org) => [
          org.definition.environment,
          {
            username: org.user.username,
            apiCalls: org.apiUsed,
            dailyApiLimit: org.dailyApiLimit,
            approvalsHeld: state.tokens.activeGrants(org.user.username).length,
            records: org.data.counts(),
            bulkJobs: org.data.bulkJobStats(),
            writes: org.data.writeCounters(),
          },
        ]),
      ),
    }),
  };
}
