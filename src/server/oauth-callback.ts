import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaLogger } from 'graphql-yoga';
import { DomainError } from '../errors.ts';
import type { ReauthenticationService } from '../services/reauthentication.ts';

export const OAUTH_CALLBACK_PATH = '/oauth/callback';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(res: ServerResponse, status: number, title: string, detail: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}a{color:#0b57d0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p role="status">${escapeHtml(detail)}</p>
<p><a href="/">Back to the dashboard</a></p></main></body></html>`);
}

/** Where Salesforce sends the browser back after the login (or the refusal). */
export function oauthCallbackRoute(reauthentication: ReauthenticationService, logger: YogaLogger) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const state = params.get('state');
    const code = params.get('code');
    const error = params.get('error');
    if (req.method !== 'GET') return page(res, 405, 'Method not allowed', 'Salesforce redirects here with a GET request.');
    if (!state) return page(res, 400, 'Reauthentication failed', 'The request carries no state.');
    try {
      if (error) {
        reauthentication.cancel(state);
        return page(res, 200, 'Access not granted', `Salesforce says: ${params.get('error_description') ?? error}. The instance is unchanged.`);
      }
      if (!code) return page(res, 400, 'Reauthentication failed', 'The request carries no authorization code.');
      const instance = await reauthentication.complete(null, state, code);
      return page(res, 200, 'Salesforce access granted', `${instance.name} is connected as ${instance.username}. Backups and restores can start again.`);
    } catch (failure) {
      if (failure instanceof DomainError) return page(res, 400, 'Reauthentication failed', failure.message);
      logger.error(failure);
      return page(res, 500, 'Reauthentication failed', 'An unexpected error occurred; nothing was changed.');
    }
  };
}
