import type { FileReferences, VersionData } from '../../db/file-references.ts';
import type { BlobStores } from '../storage/blob-store.ts';
import type { DataKeys } from './data-keys.ts';

const PAGE_ROWS = 2000;

/** The names of the files a record version holds: fields whose value is `{"blob": name, "size": bytes}`. */
export function fileNamesIn(json: string): string[] {
  if (!json.includes('"blob"')) return [];
  const record = JSON.parse(json) as Record<string, unknown> | null;
  return Object.values(record ?? {}).flatMap((value) => {
    const file = value as { blob?: unknown } | null;
    return file && typeof file === 'object' && typeof file.blob === 'string' ? [file.blob] : [];
  });
}

/**
 * Deletes stored files that no record version names any more (mark and sweep). Files are
 * deduplicated across records and snapshots, so only a pass over every version of the objects
 * that hold files can tell; it reads a page at a time. A backup may be about to name a file it
 * found already stored, so the sweep deletes nothing when a backup ran at any time during it.
 */
export function createBlobSweep(references: FileReferences, blobs: Pick<BlobStores, 'list' | 'remove'>, dataKeys: Pick<DataKeys, 'forOrganisation'>) {
  const open = async (version: VersionData) =>
    typeof version.data === 'string' ? version.data : (await dataKeys.forOrganisation(version.organisationId)).open(version.data).toString('utf8');

  return {
    /** Returns the number of files deleted, or null when a backup ran meanwhile (the next sweep tries again). */
    async sweep(): Promise<number | null> {
      const startedAt = new Date();
      if (await references.backupRanSince(startedAt)) return null;
      const named = new Set<string>();
      for await (const versions of references.versionsHoldingFiles(PAGE_ROWS)) {
        for (const version of versions) for (const name of fileNamesIn(await open(version))) named.add(name);
      }
      // Nothing is awaited between this check and the deletes: no backup of this process can start in between.
      if (await references.backupRanSince(startedAt)) return null;
      const unnamed = blobs.list().filter((file) => !named.has(file.name) && file.modifiedAt < startedAt.getTime());
      for (const file of unnamed) blobs.remove(file.name);
      return unnamed.length;
    },
  };
}

export type BlobSweep = ReturnType<typeof createBlobSweep>;
