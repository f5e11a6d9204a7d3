import type { IncomingMessage, ServerResponse } from 'node:http';

/** GraphiQL's own files, served by the service: no CDN, nothing inline for the CSP to allow. */
export const GRAPHIQL_ASSETS_PREFIX = '/graphiql/';

interface Bundle {
  js: string;
  css: string;
  favicon: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
}

const WORKERS = { editorWorkerService: 'editor-worker.js', json: 'json-worker.js', graphql: 'graphql-worker.js' };

// Monaco starts its workers from these URLs instead of the blobs yoga's inline page makes.
const ENVIRONMENT_SCRIPT = `self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_module, label) => ${JSON.stringify(
  Object.fromEntries(Object.entries(WORKERS).map(([label, file]) => [label, `${GRAPHIQL_ASSETS_PREFIX}${file}`])),
)}[label] };`;
const START_SCRIPT = `YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), JSON.parse(document.getElementById('graphiql-options').textContent));`;

// GraphiQL's own markup fails two axe rules: its title is grey on white below 4.5:1, and each tab
// is an <li role="tab"> wrapping a button (nested interactive controls). The tab role moves to the button.
const ACCESSIBILITY_CSS = '.graphiql-logo > div > span { color: hsl(219, 28%, 23%); }';
const ACCESSIBILITY_SCRIPT = `new MutationObserver(() => {
  for (const tab of document.querySelectorAll('li[role="tab"]')) {
    const button = tab.querySelector('button.graphiql-tab-button');
    if (!button) continue;
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-selected', tab.getAttribute('aria-selected') ?? 'false');
    tab.setAttribute('role', 'presentation');
    tab.removeAttribute('aria-selected');
  }
}).observe(document.getElementById('root'), { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-selected', 'role'] });`;

const OPTIONS = { title: 'Salesforce backup API', endpoint: '/graphql', subscriptionsProtocol: 'WS' };

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${OPTIONS.title}</title>
<link rel="icon" href="${GRAPHIQL_ASSETS_PREFIX}favicon.ico"><link rel="stylesheet" href="${GRAPHIQL_ASSETS_PREFIX}graphiql.css"><link rel="stylesheet" href="${GRAPHIQL_ASSETS_PREFIX}accessibility.css">
</head><body id="body" class="no-focus-outline"><noscript>GraphiQL needs JavaScript.</noscript><div id="root"></div>
<script type="application/json" id="graphiql-options">${JSON.stringify(OPTIONS)}</script>
<script src="${GRAPHIQL_ASSETS_PREFIX}environment.js"></script>
<script src="${GRAPHIQL_ASSETS_PREFIX}graphiql.js"></script>
<script src="${GRAPHIQL_ASSETS_PREFIX}start.js"></script>
<script src="${GRAPHIQL_ASSETS_PREFIX}accessibility.js"></script>
</body></html>`;

// Monaco sets styles from script, hence 'unsafe-inline' for styles only.
const contentSecurityPolicy = (publicUrl: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self' ${publicUrl.replace(/^http/, 'ws')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

// The bundle is 9 MB of text: loaded on the first visit only.
let bundle: Promise<Bundle> | undefined;
const loadBundle = () =>
  (bundle ??= import(import.meta.resolve('@graphql-yoga/render-graphiql').replace(/index\.js$/, 'graphiql.js')) as Promise<Bundle>);

async function assetBody(name: string): Promise<{ type: string; body: string | Buffer } | undefined> {
  const javascript = 'text/javascript; charset=utf-8';
  if (name === 'environment.js') return { type: javascript, body: ENVIRONMENT_SCRIPT };
  if (name === 'start.js') return { type: javascript, body: START_SCRIPT };
  if (name === 'accessibility.js') return { type: javascript, body: ACCESSIBILITY_SCRIPT };
  if (name === 'accessibility.css') return { type: 'text/css; charset=utf-8', body: ACCESSIBILITY_CSS };
  const files = await loadBundle();
  if (name === 'graphiql.js') return { type: javascript, body: files.js };
  if (name === 'graphiql.css') return { type: 'text/css; charset=utf-8', body: files.css };
  if (name === WORKERS.editorWorkerService) return { type: javascript, body: files.editorWorkerService };
  if (name === WORKERS.json) return { type: javascript, body: files.jsonWorker };
  if (name === WORKERS.graphql) return { type: javascript, body: files.graphqlWorker };
  if (name === 'favicon.ico') {
    const [, type, data] = /^data:([^;,]+);base64,(.*)$/.exec(files.favicon) ?? [];
    if (type && data) return { type, body: Buffer.from(data, 'base64') };
  }
  return undefined;
}

export function graphiqlRoutes(publicUrl: () => string) {
  return {
    /** A browser opening /graphql gets GraphiQL; everything else there is the API. */
    wanted: (req: IncomingMessage) => req.method === 'GET' && (req.headers.accept ?? '').includes('text/html'),
    page(_req: IncomingMessage, res: ServerResponse) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': contentSecurityPolicy(publicUrl()),
      });
      res.end(PAGE);
    },
    async assets(req: IncomingMessage, res: ServerResponse) {
      const name = new URL(req.url ?? '/', 'http://localhost').pathname.slice(GRAPHIQL_ASSETS_PREFIX.length);
      const asset = req.method === 'GET' || req.method === 'HEAD' ? await assetBody(name) : undefined;
      if (!asset) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end('Not found');
      }
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    },
  };
}
