/**
 * `POST /composite` with read subrequests: up to 25 run in one call, and the whole request counts
 * as one API call. This emulator takes GET subrequests only.
 */
import type { DataRequest, EmulatorResponse } from '../types.ts';
import { apiError } from './errors.ts';

const MAX_SUBREQUESTS = 25;
const SUBREQUEST_URL = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)(?:\?(.*))?$/;

interface Subrequest {
  method?: string;
  url?: string;
  referenceId?: string;
}

export function compositeReads(req: DataRequest, route: (sub: DataRequest) => EmulatorResponse): EmulatorResponse {
  const requests = (req.body as { compositeRequest?: Subrequest[] } | undefined)?.compositeRequest;
  if (!Array.isArray(requests) || requests.length === 0) return apiError(400, 'JSON_PARSER_ERROR', 'compositeRequest must be a non-empty array');
  if (requests.length > MAX_SUBREQUESTS) {
    return apiError(400, 'INVALID_INPUT', `Limit Exceeded: composite request can have a maximum of ${MAX_SUBREQUESTS} subrequests`);
  }
  const compositeResponse = requests.map((sub) => {
    const match = SUBREQUEST_URL.exec(sub.url ?? '');
    const response: EmulatorResponse =
      sub.method !== 'GET'
        ? apiError(405, 'METHOD_NOT_ALLOWED', 'This emulator runs GET subrequests only')
        : !match
          ? apiError(400, 'INVALID_INPUT', `Invalid subrequest url: ${sub.url}`)
          : route({ ...req, method: 'GET', version: match[1], path: match[2], query: new URLSearchParams(match[3] ?? ''), body: undefined });
    const body: unknown = typeof response.body === 'string' ? JSON.parse(response.body) : (response.body ?? null);
    return { body, httpHeaders: {}, httpStatusCode: response.status, referenceId: sub.referenceId ?? null };
  });
  return { status: 200, body: { compositeResponse } };
}
