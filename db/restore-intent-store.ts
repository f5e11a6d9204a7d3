import { sql } from 'drizzle-orm';

/** A create a restore saved before sending it, its answer not known yet. */
export interface SavedCreate {
  sourceId: string;
  /** The record as sent: field name to value, without `attributes`. */
  body: Record<string, unknown>;
  sentAt: Date;
}

/**
 * A restore's creates saved before they go out, per target instance, and the new ids of those
 * Salesforce carried out: neither a lost answer nor a crash loses track of a record that may exist
 * in the org. Each database engine implements it its own way (db/sqlite, db/pg).
 */
export interface RestoreIntentStore {
  /** Creates of an object still waiting for their outcome, from any job on the instance. */
  pending(instanceId: string, object: string): Promise<SavedCreate[]>;
  /** Saves creates before they are sent; one saved again (a retry) takes the newer body and time. */
  save(instanceId: string, jobId: string, object: string, creates: Omit<SavedCreate, 'sentAt'>[], sentAt: Date): Promise<void>;
  /** Records the new ids of creates carried out and forgets creates whose outcome is known, in one transaction. */
  settle(instanceId: string, jobId: string, object: string, created: [sourceId: string, newId: string][], notCreated: string[]): Promise<void>;
  /** Of the given org ids, those already mapped to some snapshot record of the instance. */
  alreadyMapped(instanceId: string, newIds: string[]): Promise<Set<string>>;
  /** The new ids earlier restores re-created the given snapshot records under on the instance. */
  restoredIds(instanceId: string, sourceIds: string[]): Promise<Map<string, string>>;
  /** Whether any restore has re-created a record on the instance. */
  anyRestored(instanceId: string): Promise<boolean>;
}

/** The rows of creates about to be sent, and what a create saved again (a retry) takes. */
export const intentRows = (instanceId: string, jobId: string, object: string, creates: Omit<SavedCreate, 'sentAt'>[], sentAt: Date) =>
  creates.map(({ sourceId, body }) => ({ instanceId, jobId, object, sourceId, body: JSON.stringify(body), sentAt }));
export const intentSavedAgain = { body: sql`excluded.body`, sentAt: sql`excluded.sent_at`, jobId: sql`excluded.job_id` };

/** A saved create as read back. */
export const savedCreateOf = (row: { sourceId: string; body: string; sentAt: Date }): SavedCreate => ({ sourceId: row.sourceId, body: JSON.parse(row.body) as SavedCreate['body'], sentAt: row.sentAt });

/** The rows of creates carried out, and what a record re-created again (by a later restore) takes. */
export const restoredRows = (instanceId: string, jobId: string, object: string, created: [sourceId: string, newId: string][]) =>
  created.map(([sourceId, newId]) => ({ instanceId, jobId, object, sourceId, newId }));
export const restoredAgain = { newId: sql`excluded.new_id`, jobId: sql`excluded.job_id`, object: sql`excluded.object` };
