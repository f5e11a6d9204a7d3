import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../metrics.ts';
import type { Viewer } from '../services/viewer.ts';
import { refuse } from './refuse.ts';

export const METRICS_PATH = '/metrics';

/**
 * GET /metrics in Prometheus's text format, for the operator key only (Prometheus sends it with
 * `authorization: { credentials: <key> }`): the figures span every organisation.
 */
export function metricsRoute(metrics: Metrics, signIn: (req: IncomingMessage) => Promise<Viewer | null>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return refuse(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET');
    const viewer = await signIn(req);
    if (!viewer) return refuse(res, 401, 'UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>');
    if (viewer.kind !== 'operator') return refuse(res, 403, 'FORBIDDEN', 'Metrics need the operator key');
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
}
