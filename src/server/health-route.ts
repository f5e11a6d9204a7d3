import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DatabaseHealth } from '../../db/database-health.ts';

export const HEALTH_PATH = '/healthz';

/**
 * `{"status":"ok","database":"ok"}` (with `"redis"` when events go through Redis), or 503 with
 * the state of whichever cannot answer.
 */
export function healthRoute(database: DatabaseHealth, redisState: () => 'ok' | 'unreachable' | undefined) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const state = await database.ping();
    const redis = redisState();
    const healthy = state === 'ok' && (redis === undefined || redis === 'ok');
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', database: state, ...(redis && { redis }) }));
  };
}
