/** Salesforce's error bodies: `[{message, errorCode, fields?}]` for requests. */
import type { EmulatorResponse } from '../types.ts';

export function apiError(status: number, errorCode: string, message: string, fields?: string[]): EmulatorResponse {
  return { status, body: [{ message, errorCode, ...(fields ? { fields } : {}) }] };
}

export const notFound = (): EmulatorResponse =>
  apiError(404, 'NOT_FOUND', 'The requested resource does not exist');

export function methodNotAllowed(method: string, allowed: string[]): EmulatorResponse {
  return apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`);
}

/** Thrown inside the data layer, turned into an error response at the edge. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }

  toResponse(): EmulatorResponse {
    return apiError(this.status, this.errorCode, this.message);
  }
}
