/** A record version of an object that holds files, with the organisation whose data key opens it. */
export interface VersionData {
  organisationId: string;
  /** Sealed with the organisation's data key, or the plain JSON of rows written before sealing. */
  data: Buffer | string;
}

/**
 * What the sweep of stored files reads: the record versions that may name files, and whether a
 * backup (which may name a file it found already stored) ran meanwhile. Each database engine
 * implements it its own way (db/sqlite, db/pg).
 */
export interface FileReferences {
  /** Whether a backup is running, or started or finished at or after `since`. */
  backupRanSince(since: Date): Promise<boolean>;
  /** Every snapshot's versions of the objects that hold files, `pageRows` at a time. */
  versionsHoldingFiles(pageRows: number): AsyncIterable<VersionData[]>;
}
