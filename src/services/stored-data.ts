import type { SnapshotPruning } from '../../db/snapshot-pruning.ts';
import type { BlobSweep } from './blob-sweep.ts';

/**
 * Deletes what backups stored for an instance, through retention's own tools: its snapshots and
 * the record versions nothing else names (pruning), then the files no version names any more
 * (the sweep).
 */
export function createStoredDataRemoval(pruning: SnapshotPruning, blobSweep: BlobSweep) {
  return {
    async deleteSnapshotsOf(instanceId: string): Promise<void> {
      await pruning.prune(await pruning.snapshotIdsNewestFirst(instanceId));
    },

    /** Deletes stored files no record version names; a backup running meanwhile leaves them to the next sweep. */
    async removeUnnamedFiles(): Promise<void> {
      await blobSweep.sweep();
    },
  };
}

export type StoredDataRemoval = ReturnType<typeof createStoredDataRemoval>;
