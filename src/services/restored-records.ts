import type { RestoreIntentStore } from '../../db/restore-intent-store.ts';

/** Which snapshot ids earlier restores re-created on an instance, and under which new ids (recorded by restore intents). */
export function createRestoredRecordService(store: RestoreIntentStore) {
  return {
    /**
     * The lookup a restore starting now uses: on an instance no restore has re-created anything
     * on, it asks nothing per batch (what this restore re-creates it remembers itself).
     */
    async lookupForRestore(instanceId: string): Promise<(sourceIds: Iterable<string>) => Promise<Map<string, string>>> {
      if (!(await store.anyRestored(instanceId))) return () => Promise.resolve(new Map());
      return (sourceIds) => store.restoredIds(instanceId, [...new Set(sourceIds)]);
    },
  };
}

export type RestoredRecordService = ReturnType<typeof createRestoredRecordService>;
