import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaLogger } from 'graphql-yoga';
import { DomainError } from '../errors.ts';
import type { AuditLog } from '../services/audit.ts';
import type { ReauthenticationService } from '../services/reauthentication.ts';
import { clientAddress } from './context.ts';
import type { FailedKeyThrottle } from './failed-key-throttle.ts';

export const OAUTH_CALLBACK_PATH = '/oauth/callback';
/** Where the dashboard picks up a login to confirm: in the fragment, which browsers never send on. */
export const DASHBOARD_REAUTHENTICATION_FRAGMENT = '#reauthentication?';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(res: ServerResponse, status: number, title: string, detail: string) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}a{color:#0b57d0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p role="status">${escapeHtml(detail)}</p>
<p><a href="/">Back to the dashboard</a></p></main></body></html>`);
}

/**
 * Where Salesforce sends the browser back after the login (or the refusal). It connects nothing:
 * the code goes on to the dashboard, where the signed-in key of the organisation that started
 * the reauthentication sees who logged in and confirms. A login sent to someone else's admin
 * therefore never lands on the instance of whoever sent it.
 */
export function oauthCallbackRoute(reauthentication: ReauthenticationService, audit: AuditLog, anonymousDenials: FailedKeyThrottle, logger: YogaLogger) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    // Each refusal is an audit entry: an address that keeps sending them is turned away first.
    const retryAfter = anonymousDenials.retryAfter(clientAddress(req));
    if (retryAfter !== undefined) {
      res.setHeader('retry-after', String(retryAfter));
      return page(res, 429, 'Too many requests', `Try again in ${retryAfter} s.`);
    }
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const state = params.get('state');
    const code = params.get('code');
    const error = params.get('error');
    if (req.method !== 'GET') return page(res, 405, 'Method not allowed', 'Salesforce redirects here with a GET request.');
    if (!state) return page(res, 400, 'Reauthentication failed', 'The request carries no state.');
    if (error) {
      const reason = `Salesforce says: ${params.get('error_description') ?? error}`;
      let login: { instanceId: string; organisationId: string } | undefined;
      try {
        login = await reauthentication.cancel(state);
      } catch (failure) {
        if (!(failure instanceof DomainError)) logger.error(failure);
      }
      await audit.record({
        actor: 'anonymous',
        action: 'oauthCallback',
        target: login && { type: 'Instance', id: login.instanceId },
        organisationId: login?.organisationId ?? null,
        outcome: 'DENIED',
        detail: reason,
        clientAddress: clientAddress(req),
      });
      anonymousDenials.recordFailure(clientAddress(req));
      return page(res, 200, 'Access not granted', `${reason}. The instance is unchanged.`);
    }
    if (!code) return page(res, 400, 'Reauthentication failed', 'The request carries no authorization code.');
    res.writeHead(303, { location: `/${DASHBOARD_REAUTHENTICATION_FRAGMENT}${new URLSearchParams({ state, code })}`, 'cache-control': 'no-store' });
    res.end();
  };
}
