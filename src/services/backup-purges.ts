/**
 * Records purged from Salesforce since the last backup (recycle bin emptied or aged out, hard
 * deletes): queryAll no longer returns them, so an incremental backup must ask.
 */
import { getDeleted } from '../salesforce/replication.ts';
import { queryAllIds } from '../salesforce/query.ts';
import type { SalesforceSession } from '../salesforce/session.ts';
import { DELETED_ONLY, selectQuery } from '../salesforce/soql.ts';

export interface PurgeCheck {
  object: string;
  /** Where this backup's read began (null: it read every record). */
  mark: string | null;
  /** Records this backup read. */
  seen: Set<string>;
  /** Records the base snapshot holds, and whether each was deleted. */
  held: Map<string, boolean>;
  /** Salesforce's clock when the backup began. */
  until: Date;
  checkpoint: () => void;
}

const MINUTE = 60_000;
const parseStamp = (stamp: string) => Date.parse(stamp.replace(/\+0000$/, 'Z'));

/**
 * Held records that are gone from the org: from getDeleted's log when it covers the time since
 * the last backup, otherwise by comparing every id.
 */
export async function findPurged(session: SalesforceSession, check: PurgeCheck): Promise<string[]> {
  const { object, mark, seen, held, checkpoint } = check;
  const unseen = [...held.keys()].filter((id) => !seen.has(id));
  if (unseen.length === 0) return [];
  // A full read of the object: whatever it did not return is gone.
  if (mark === null) return unseen;

  const since = new Date(parseStamp(mark));
  const gone = new Set<string>();
  try {
    checkpoint();
    // The log works in whole minutes: ask past the minute in progress, then check what it covered.
    const log = await getDeleted(session, object, since, new Date(check.until.getTime() + MINUTE));
    const covered = parseStamp(log.earliestDateAvailable) <= since.getTime() && parseStamp(log.latestDateCovered) >= check.until.getTime();
    if (!covered) throw new Error('window');
    // Deleted since the last backup yet not returned by queryAll: already purged.
    for (const { id } of log.deletedRecords) gone.add(id);
  } catch (error) {
    if ((error as Error).message !== 'window' && (error as Error).name !== 'INVALID_REPLICATION_DATE') throw error;
    // The delete log no longer reaches back to the last backup: compare every id instead.
    const present = await queryAllIds(session, selectQuery(object, ['Id']), checkpoint);
    return unseen.filter((id) => !present.has(id));
  }
  // Records already in the recycle bin at the last backup may have been purged since.
  if (unseen.some((id) => held.get(id))) {
    const inBin = await queryAllIds(session, selectQuery(object, ['Id'], DELETED_ONLY), checkpoint);
    for (const id of unseen) if (held.get(id) && !inBin.has(id)) gone.add(id);
  }
  return unseen.filter((id) => gone.has(id));
}
