import type { DatabaseHandle } from '../../db/client.ts';
import type { BlobSweep } from './blob-sweep.ts';
import type { SnapshotPruner } from './snapshot-pruning.ts';

/**
 * Deletes what backups stored for an instance, through retention's own tools: its snapshots and
 * the record versions nothing else names (the pruner), then the files no version names any more
 * (the sweep).
 */
export function createStoredDataRemoval({ sqlite }: Pick<DatabaseHandle, 'sqlite'>, pruner: SnapshotPruner, blobSweep: BlobSweep) {
  // Newest first: none is then the base of one still to go, so nothing is folded into another.
  const snapshotsOf = sqlite.prepare<[string], { id: string }>('SELECT id FROM snapshots WHERE instance_id = ? ORDER BY sequence DESC');
  return {
    async deleteSnapshotsOf(instanceId: string): Promise<void> {
      await pruner.prune(snapshotsOf.all(instanceId).map((row) => row.id));
    },

    /** Deletes stored files no record version names; a backup running meanwhile leaves them to the next sweep. */
    async removeUnnamedFiles(): Promise<void> {
      await blobSweep.sweep();
    },
  };
}

export type StoredDataRemoval = ReturnType<typeof createStoredDataRemoval>;
