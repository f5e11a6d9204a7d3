/** What the org holds: its objects (describeGlobal) and their fields (describe), read in few calls. */
import jsforce, { type DescribeGlobalResult, type DescribeSObjectResult } from 'jsforce';
import type { SalesforceSession } from './session.ts';

export type { DescribeGlobalResult, DescribeSObjectResult };

/** Composite requests run up to 25 subrequests and count as one API call. */
const COMPOSITE_LIMIT = 25;

interface CompositeResponse {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
}

/** An object describe refused (unknown object, no access): Salesforce's error code and message. */
export class DescribeError extends Error {
  constructor(
    readonly object: string,
    errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = errorCode;
  }
}

export function describeGlobal(session: SalesforceSession): Promise<DescribeGlobalResult> {
  return session.request<DescribeGlobalResult>('/sobjects');
}

/** describeGlobal with a fresh access token, before a job (and its session) exists. */
export function describeGlobalWith(access: { instanceUrl: string; accessToken: string; apiVersion: string }): Promise<DescribeGlobalResult> {
  const connection = new jsforce.Connection({ instanceUrl: access.instanceUrl, accessToken: access.accessToken, version: access.apiVersion });
  return connection.request<DescribeGlobalResult>('/sobjects');
}

export function describeSObject(session: SalesforceSession, object: string): Promise<DescribeSObjectResult> {
  return session.request<DescribeSObjectResult>(`/sobjects/${encodeURIComponent(object)}/describe`);
}

/**
 * Describes of many objects, 25 to a composite request (one API call each instead of one per
 * object). An object Salesforce refuses comes back as a DescribeError in its place.
 */
export async function describeSObjects(
  session: SalesforceSession,
  objects: string[],
  checkpoint: () => void,
): Promise<Map<string, DescribeSObjectResult | DescribeError>> {
  const describes = new Map<string, DescribeSObjectResult | DescribeError>();
  const base = `/services/data/v${session.connection.version}/sobjects`;
  for (let start = 0; start < objects.length; start += COMPOSITE_LIMIT) {
    checkpoint();
    const chunk = objects.slice(start, start + COMPOSITE_LIMIT);
    const response = await session.request<CompositeResponse>({
      method: 'POST',
      url: '/composite',
      body: JSON.stringify({
        allOrNone: false,
        compositeRequest: chunk.map((object, index) => ({ method: 'GET', url: `${base}/${encodeURIComponent(object)}/describe`, referenceId: `d${index}` })),
      }),
    });
    response.compositeResponse.forEach((sub, index) => {
      const object = chunk[index];
      if (sub.httpStatusCode === 200) describes.set(object, sub.body as DescribeSObjectResult);
      else {
        const [error] = (sub.body as { errorCode: string; message: string }[] | null) ?? [];
        describes.set(object, new DescribeError(object, error?.errorCode ?? `ERROR_HTTP_${sub.httpStatusCode}`, error?.message ?? 'describe failed'));
      }
    });
  }
  return describes;
}
