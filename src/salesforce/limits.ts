/** The org's limits and approximate record counts. */
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
