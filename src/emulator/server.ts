import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleControl } from './control.ts';
import type { FaultInjector, FaultRule } from './faults.ts';
import { apiError, readBody, readBytes, send } from './http.ts';
import { boundaryOf, fieldsOfMultipart } from './multipart.ts';
import type { EmulatedOrg } from './org.ts';
import { handleSoap } from './soap.ts';
import type { TokenStore } from './tokens.ts';
import type { EmulatorResponse } from './types.ts';

export interface EmulatorState {
  orgs: EmulatedOrg[];
  tokens: TokenStore;
  faults: FaultInjector;
  /** Called after a request that may have changed records, tokens or usage. */
  changed?: () => void;
}

const DATA_PATH = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/;
const SOAP_PATH = /^\/services\/Soap\/u\/\d+\.\d$/;

/** A request the fault rule let through, and what to do once it is answered. */
type Routed = { response: EmulatorResponse; org?: EmulatedOrg; fault?: FaultRule };

function bearer(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return query.get('oauth_token') ?? undefined;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('malformed');
  }
}

/**
 * The request handler of one org's host (login and instance URL alike): control endpoints, then
 * OAuth, identity and the data API.
 */
export function createRequestHandler(state: EmulatorState, org: EmulatedOrg) {
  async function route(req: IncomingMessage, url: URL): Promise<Routed> {
    const method = req.method ?? 'GET';
    const path = url.pathname;

    const oversize = requestSizeError(req);
    if (oversize) return { response: oversize };

    const fault = state.faults.take(method, path, org.definition.environment);
    if (fault && !fault.apply) return { response: faultResponse(fault), org, fault };
    if (state.faults.latencyMs > 0) await sleep(state.faults.latencyMs);
    const commitAfterMs = fault?.commitAfterMs;
    const lateCommit = commitAfterMs
      ? async () => {
          req.socket.destroy();
          state.faults.lateCommitsPending += 1;
          await sleep(commitAfterMs);
          state.faults.lateCommitsPending -= 1;
        }
      : undefined;
    return { ...(await serve(req, url, method, path, lateCommit)), fault };
  }

  /** `beforeApply` runs once the request is read, just before the data API carries it out. */
  async function serve(req: IncomingMessage, url: URL, method: string, path: string, beforeApply?: () => Promise<void>): Promise<Routed> {
    if (path === '/services/oauth2/authorize') {
      if (method === 'GET') return { response: org.oauth.authorizePage(url.searchParams) };
      return { response: org.oauth.authorizeSubmit(new URLSearchParams(await readBody(req))) };
    }
    if (path === '/services/oauth2/token' && method === 'POST') return { response: org.oauth.token(new URLSearchParams(await readBody(req))) };
    if (path === '/services/oauth2/revoke' && method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      for (const [name, value] of url.searchParams) if (!form.has(name)) form.set(name, value);
      return { response: org.oauth.revoke(form) };
    }
    const identity = /^\/id\/[^/]+\/([^/]+)$/.exec(path);
    if (identity && method === 'GET') return { response: org.oauth.identity(identity[1], bearer(req, url.searchParams)) };
    if (path === '/services/data' || path === '/services/data/') {
      return { response: { status: 200, body: ['58.0', '59.0', '60.0', '61.0', '62.0'].map((version) => ({ label: `v${version}`, url: `/services/data/v${version}`, version })) } };
    }
    if (SOAP_PATH.test(path) && method === 'POST') {
      const envelope = await readBody(req);
      if (org.apiUsed >= org.dailyApiLimit) return { response: apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), org };
      org.apiUsed += 1;
      return { response: handleSoap(org, state.tokens, envelope), org };
    }
    const data = DATA_PATH.exec(path);
    if (!data) return { response: apiError(404, 'NOT_FOUND', 'The requested resource does not exist') };

    const session = state.tokens.session(bearer(req, url.searchParams));
    if (!session || session.user !== org.user) {
      return { response: apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid') };
    }
    if (org.apiUsed >= org.dailyApiLimit) {
      return { response: apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), org };
    }
    org.apiUsed += 1;
    const [, version, rest = ''] = data;
    if (rest === '' || rest === '/') return { response: { status: 200, body: versionRoot(version, org) }, org };
    if (rest === '/limits' || rest === '/limits/') return { response: { status: 200, body: org.limits() }, org };
    if (rest === '/limits/recordCount') {
      const names = url.searchParams.get('sObjects')?.split(',').filter(Boolean);
      return { response: { status: 200, body: { sObjects: org.data.recordCounts(names) } }, org };
    }
    const boundary = boundaryOf(req.headers['content-type']);
    const bytes = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBytes(req);
    const multipart = boundary ? fieldsOfMultipart(bytes, boundary) : undefined;
    if (multipart && 'error' in multipart) return { response: multipart.error, org };
    const body = multipart ? multipart.fields : parseJson(bytes.toString('utf8'));
    if (body === Symbol.for('malformed')) return { response: apiError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON'), org };
    await beforeApply?.();
    const response = org.data.handle({ method, path: rest, version: version, query: url.searchParams, headers: req.headers, body, userId: session.user.userId });
    return { response, org };
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    state.changed?.();
    try {
      if (url.pathname.startsWith('/__emulator/')) return send(res, await handleControl(state, req, url));
      const { response, org, fault } = await route(req, url);
      if (fault?.holdMs) await sleep(fault.holdMs);
      if (fault?.drop) {
        res.socket?.destroy();
        return;
      }
      send(res, fault?.status ? faultResponse(fault) : response, org ? { 'sforce-limit-info': org.limitInfo() } : {}, fault?.cutAfterBytes);
    } catch (error) {
      send(res, apiError(500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred: ${(error as Error).message}`));
    }
  };
}

/** Salesforce takes at most 16,384 bytes of request line and headers together. */
export const MAX_REQUEST_HEAD_BYTES = 16_384;

/** 414 when the request line alone is too long, 431 when headers take it over, as Salesforce answers. */
function requestSizeError(req: IncomingMessage): EmulatorResponse | undefined {
  const requestLine = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`);
  let head = requestLine;
  for (let i = 0; i < req.rawHeaders.length; i += 2) head += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
  if (requestLine > MAX_REQUEST_HEAD_BYTES) return plainError(414, 'URI Too Long');
  if (head > MAX_REQUEST_HEAD_BYTES) return plainError(431, 'Request Header Fields Too Large');
  return undefined;
}

const plainError = (status: number, text: string): EmulatorResponse => ({
  status,
  headers: { 'Content-Type': 'text/html' },
  body: `<html><head><title>${status} ${text}</title></head><body><h1>${text}</h1></body></html>`,
});

function faultResponse(fault: FaultRule): EmulatorResponse {
  return { status: fault.status ?? 503, body: fault.body ?? [{ message: 'Injected failure', errorCode: 'SERVER_UNAVAILABLE' }] };
}

function versionRoot(version: string, org: EmulatedOrg) {
  const base = `/services/data/v${version}`;
  const names = ['sobjects', 'query', 'queryAll', 'limits', 'composite', 'jobs/query', 'search'];
  return {
    // Like Salesforce, an absolute URL on the login host.
    identity: `${org.loginUrl}/id/${org.user.orgId}/${org.user.userId}`,
    ...Object.fromEntries(names.map((name) => [name, `${base}/${name}`])),
  };
}
