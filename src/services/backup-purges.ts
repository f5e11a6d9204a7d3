/**
 * Records purged from Salesforce since the last backup (recycle bin emptied or aged out, hard
 * deletes): queryAll no longer returns them, so an incremental backup must ask.
 */
import { getDeleted } from '../salesforce/replication.ts';
import { queryAllIds } from '../salesforce/query.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import { DELETED_ONLY, selectQuery } from '../salesforce/soql.ts';
import type { HeldRecords } from './snapshots.ts';

export interface PurgeCheck {
  object: string;
  /** Where this backup's read began (null: it read every record). */
  mark: string | null;
  /** Records this backup read. */
  seen: Set<string>;
  /** Records the base snapshot holds. */
  held: HeldRecords;
  /** Salesforce's clock when the backup began. */
  until: Date;
  checkpoint: () => void;
}

const MINUTE = 60_000;
const parseStamp = (stamp: string) => Date.parse(stamp.replace(/\+0000$/, 'Z'));

/**
 * Held records that are gone from the org: from getDeleted's log when it covers the time since
 * the last backup (then only the records it names, and those in the recycle bin at the last
 * backup, are looked up), otherwise by comparing every id.
 */
export async function findPurged(session: SalesforceSession, check: PurgeCheck): Promise<string[]> {
  const { object, mark, seen, held, checkpoint } = check;
  const unseen = (ids: Iterable<string>) => Array.from(ids).filter((id) => !seen.has(id));
  // A full read of the object: whatever it did not return is gone.
  if (mark === null) return unseen((await held.all()).keys());

  const since = new Date(parseStamp(mark));
  let gone: Set<string>;
  try {
    checkpoint();
    // The log works in whole minutes: ask past the minute in progress, then check what it covered.
    const log = await getDeleted(session, object, since, new Date(check.until.getTime() + MINUTE));
    const covered = parseStamp(log.earliestDateAvailable) <= since.getTime() && parseStamp(log.latestDateCovered) >= check.until.getTime();
    if (!covered) throw new Error('window');
    // Deleted since the last backup yet not returned by queryAll: already purged.
    gone = await held.among(unseen(log.deletedRecords.map(({ id }) => id)));
  } catch (error) {
    if ((error as Error).message !== 'window' && (error as Error).name !== 'INVALID_REPLICATION_DATE') throw error;
    // The delete log no longer reaches back to the last backup: compare every id instead.
    const present = await queryAllIds(session, selectQuery(object, ['Id']), checkpoint);
    return unseen((await held.all()).keys()).filter((id) => !present.has(id));
  }
  // Records already in the recycle bin at the last backup may have been purged since.
  const binned = unseen(await held.deleted());
  if (binned.length > 0) {
    const inBin = await queryAllIds(session, selectQuery(object, ['Id'], DELETED_ONLY), checkpoint);
    for (const id of binned) if (!inBin.has(id)) gone.add(id);
  }
  return [...gone];
}
