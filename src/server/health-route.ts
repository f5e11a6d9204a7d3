import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DatabaseHandle } from '../../db/client.ts';

export const HEALTH_PATH = '/healthz';

type DatabaseState = 'ok' | 'closed' | 'error';

function databaseState(database: DatabaseHandle): DatabaseState {
  if (!database.sqlite.open) return 'closed';
  try {
    database.sqlite.prepare('select 1').get();
    return 'ok';
  } catch {
    return 'error';
  }
}

/**
 * `{"status":"ok","database":"ok"}` (with `"redis"` when events go through Redis), or 503 with
 * the state of whichever cannot answer.
 */
export function healthRoute(database: DatabaseHandle, redisState: () => 'ok' | 'unreachable' | undefined) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const state = databaseState(database);
    const redis = redisState();
    const healthy = state === 'ok' && (redis === undefined || redis === 'ok');
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', database: state, ...(redis && { redis }) }));
  };
}
