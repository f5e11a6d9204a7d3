import type { IncomingMessage } from 'node:http';
import { apiError, readBody } from './http.ts';
import type { EmulatorState } from './server.ts';
import type { EmulatorResponse } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Test and demo controls under /__emulator/, loopback only. */
export async function handleControl(state: EmulatorState, req: IncomingMessage, url: URL): Promise<EmulatorResponse> {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return apiError(403, 'FORBIDDEN', 'Control endpoints answer loopback clients only');
  const action = url.pathname.slice('/__emulator/'.length);
  const input = req.method === 'POST' ? (JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>) : {};
  const control = controls(state);
  switch (`${req.method} ${action}`) {
    case 'GET counters':
      return { status: 200, body: control.counters() };
    case 'POST revoke-user':
      return { status: 200, body: { revoked: control.revokeAllTokens(String(input.username)) } };
    case 'POST expire-access-tokens':
      control.expireAccessTokens();
      return { status: 200, body: { ok: true } };
    case 'POST fail-next':
      control.failNext(input as never);
      return { status: 200, body: { ok: true } };
    case 'POST latency':
      control.setLatency(Number(input.ms ?? 0));
      return { status: 200, body: { ok: true } };
    case 'POST api-limit':
      control.setDailyApiLimit(Number(input.max), input.used === undefined ? undefined : Number(input.used));
      return { status: 200, body: { ok: true } };
    case 'POST reset-faults':
      state.faults.clear();
      return { status: 200, body: { ok: true } };
    default:
      return apiError(404, 'NOT_FOUND', `Unknown control ${req.method} /__emulator/${action}`);
  }
}

/** The same controls for code that holds the emulator object. */
export function controls(state: EmulatorState) {
  return {
    revokeAllTokens: (username: string) => state.tokens.revokeUser(username),
    expireAccessTokens: () => state.tokens.expireAccessTokens(),
    failNext: (rule: { method?: string; path: string; count?: number; status: number; body?: unknown }) =>
      state.faults.add({ count: 1, ...rule }),
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
    counters: () => ({
      ...state.tokens.counters,
      orgs: Object.fromEntries(
        state.orgs.map((org) => [
          org.definition.environment,
          {
            apiCalls: org.apiUsed,
            dailyApiLimit: org.dailyApiLimit,
            approvalsHeld: state.tokens.activeGrants(org.user.username).length,
            records: org.data.counts(),
          },
        ]),
      ),
    }),
  };
}
