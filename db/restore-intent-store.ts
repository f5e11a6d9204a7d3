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
