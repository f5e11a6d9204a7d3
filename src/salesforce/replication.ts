/** getUpdated / getDeleted: what changed or was deleted in a window, from Salesforce's own logs. */
import type { SalesforceSession } from './session.ts';

export interface DeletedRecords {
  deletedRecords: { id: string; deletedDate: string }[];
  /** The oldest deletion the log still holds: a window starting earlier is incomplete. */
  earliestDateAvailable: string;
  latestDateCovered: string;
}

const window = (start: Date, end: Date) => `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;

export function getDeleted(session: SalesforceSession, object: string, start: Date, end: Date): Promise<DeletedRecords> {
  return session.request<DeletedRecords>(`/sobjects/${encodeURIComponent(object)}/deleted/?${window(start, end)}`);
}

export function getUpdated(session: SalesforceSession, object: string, start: Date, end: Date): Promise<{ ids: string[]; latestDateCovered: string }> {
  return session.request(`/sobjects/${encodeURIComponent(object)}/updated/?${window(start, end)}`);
}
