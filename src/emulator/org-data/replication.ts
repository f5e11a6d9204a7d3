/**
 * `GET /sobjects/X/updated` and `/deleted` (getUpdated / getDeleted), driven by SystemModstamp.
 * The delete log outlives the recycle bin (purged records are still listed) but reaches back
 * only 15 days, getUpdated 30: an older start is refused, as Salesforce does.
 */
import type { EmulatorResponse } from '../types.ts';
import { apiError } from './errors.ts';
import type { Table } from './table.ts';
import { formatDatetime, parseDatetime } from './values.ts';

const MINUTE = 60_000;
export const DELETE_LOG_DAYS = 15;
const UPDATED_DAYS = 30;

export function replicationChanges(table: Table, kind: 'updated' | 'deleted', query: URLSearchParams, now: number): EmulatorResponse {
  const start = parseDatetime(query.get('start') ?? '');
  const end = parseDatetime(query.get('end') ?? '');
  if (start === null || end === null || end < start) {
    return apiError(400, 'INVALID_REPLICATION_DATE', 'start and end must be ISO 8601 datetimes, with start before end');
  }
  const earliest = Math.floor((now - (kind === 'deleted' ? DELETE_LOG_DAYS : UPDATED_DAYS) * 86_400_000) / MINUTE) * MINUTE;
  if (start < earliest) {
    return apiError(400, 'INVALID_REPLICATION_DATE', `startDate is before the earliest date available: ${formatDatetime(earliest)}`);
  }
  // Salesforce covers whole minutes only.
  const from = Math.floor(start / MINUTE) * MINUTE;
  const to = Math.floor(end / MINUTE) * MINUTE;
  const ids: string[] = [];
  const deletedRecords: { id: string; deletedDate: string }[] = [];
  for (let row = 0; row < table.length; row++) {
    const stamp = table.get(row, table.systemModstampField) as number;
    if (stamp < from || stamp >= to) continue;
    const deleted = table.isDeleted(row);
    if (kind === 'updated' && !deleted) ids.push(table.codec.format(row));
    if (kind === 'deleted' && deleted) deletedRecords.push({ id: table.codec.format(row), deletedDate: formatDatetime(stamp) });
  }
  const latestDateCovered = formatDatetime(to);
  return {
    status: 200,
    body: kind === 'updated'
      ? { ids, latestDateCovered }
      : { deletedRecords, earliestDateAvailable: formatDatetime(earliest), latestDateCovered },
  };
}
