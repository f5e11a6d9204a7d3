/** The org's limits and approximate record counts. */
import jsforce from 'jsforce';
import type { SalesforceSession } from './session.ts';

const MAX_NAMES_LENGTH = 8_000;

/**
 * Approximate live record counts (`/limits/recordCount`, one call for every object named):
 * Salesforce refreshes them from time to time, so they serve for progress and planning only.
 * Also returns Salesforce's clock from the response's Date header.
 */
export async function recordCounts(session: SalesforceSession, objects: string[]): Promise<{ counts: Map<string, number>; serverTime: Date }> {
  const named = objects.map(encodeURIComponent).join(',');
  // Hundreds of object names would pass the GET size limit: then every object's count, in one call.
  const response = await session.download(named.length <= MAX_NAMES_LENGTH ? `/limits/recordCount?sObjects=${named}` : '/limits/recordCount');
  const body = (await response.json()) as { sObjects: { name: string; count: number }[] };
  const date = response.headers.get('date');
  return {
    counts: new Map(body.sObjects.map((entry) => [entry.name, entry.count])),
    serverTime: date ? new Date(date) : new Date(),
  };
}

export function limits(session: SalesforceSession): Promise<Record<string, { Max: number; Remaining: number }>> {
  return session.request('/limits');
}

/**
 * The org's daily API usage from `/limits` (one API call), on a session opened from a refresh
 * outside any job (a scheduled backup checks its budget before it starts).
 */
export async function dailyApiUsage(session: { instanceUrl: string; accessToken: string }, apiVersion: string): Promise<{ used: number; max: number }> {
  const connection = new jsforce.Connection({ instanceUrl: session.instanceUrl, accessToken: session.accessToken, version: apiVersion });
  const { DailyApiRequests } = await connection.request<{ DailyApiRequests: { Max: number; Remaining: number } }>('/limits');
  return { used: DailyApiRequests.Max - DailyApiRequests.Remaining, max: DailyApiRequests.Max };
}
