import type { RestoreIntentStore, SavedCreate } from '../../db/restore-intent-store.ts';

/** The restore intents of one job on its target instance (see db/restore-intent-store.ts). */
export function createRestoreIntentService(store: RestoreIntentStore, instanceId: string, jobId: string) {
  return {
    /** Creates of an object still waiting for their outcome, from this job or an earlier one. */
    pending: (object: string): Promise<SavedCreate[]> => store.pending(instanceId, object),
    /** Saves creates before they are sent. */
    save: (object: string, creates: Omit<SavedCreate, 'sentAt'>[]): Promise<void> => store.save(instanceId, jobId, object, creates, new Date()),
    /** Records the new ids of creates carried out and forgets creates whose outcome is known, in one transaction. */
    settle: (object: string, created: [sourceId: string, newId: string][], notCreated: string[]): Promise<void> => store.settle(instanceId, jobId, object, created, notCreated),
    /** Of the given org ids, those already mapped to some snapshot record of this instance. */
    alreadyMapped: (newIds: string[]): Promise<Set<string>> => store.alreadyMapped(instanceId, newIds),
  };
}

export type RestoreIntentService = ReturnType<typeof createRestoreIntentService>;
