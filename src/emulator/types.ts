import type { IncomingHttpHeaders } from 'node:http';

/** A data API request (below /services/data/vNN.N), already authenticated and counted. */
export interface DataRequest {
  method: string;
  /** The path after the version prefix, e.g. `/sobjects/Account/describe`. */
  path: string;
  /** e.g. `62.0`, echoed in every URL the emulator returns. */
  version: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, when the request had one. */
  body: unknown;
  /** The user whose session made the request. */
  userId: string;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON value (serialised with the Salesforce JSON content type) or a string sent as is. */
  body?: unknown;
  /** Text sent piece by piece as it is made, waiting while the client is behind (large result files). */
  stream?: Iterable<string>;
}
