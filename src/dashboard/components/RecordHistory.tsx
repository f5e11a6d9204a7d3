import { useEffect, useState } from 'preact/hooks';
import type { Actions } from '../actions.ts';
import { HISTORY_SNAPSHOTS, showValue, SNAPSHOT_RECORD, type StoredRecord } from '../browse.ts';
import { formatDate } from '../format.ts';
import type { Snapshot } from '../types.ts';

type Answer = { snapshot: { __typename: string; message?: string; record?: StoredRecord | null } };

/** One record's fields as each of the newest snapshots holds it; a changed value is marked. */
export function RecordHistory({ object, recordId, snapshots, query }: { object: string; recordId: string; snapshots: Snapshot[]; query: Actions['query'] }) {
  const shown = snapshots.slice(0, HISTORY_SNAPSHOTS);
  // Read again only when the snapshots themselves change, not with every new array of them.
  const shownIds = shown.map((snapshot) => snapshot.id).join();
  const [versions, setVersions] = useState<(StoredRecord | null)[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setVersions(null);
    Promise.all(
      shown.map(async (snapshot) => {
        const data = await query<Answer>(SNAPSHOT_RECORD, { id: snapshot.id, object, recordId });
        if (data.snapshot.message) throw new Error(data.snapshot.message);
        return data.snapshot.record ?? null;
      }),
    ).then(setVersions, (failure: Error) => setError(failure.message));
  }, [object, recordId, shownIds]);

  if (error) return <p class="outcome outcome--error">{error}</p>;
  if (!versions) return <p role="status">Reading {recordId} in {shown.length} snapshots…</p>;
  const fields = [...new Set(versions.flatMap((version) => (version ? Object.keys(version.fields) : [])))].filter((field) => field !== 'attributes').sort();

  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={`History of ${recordId}`}>
      <table class="record-history">
        <caption>
          {object} <span class="mono">{recordId}</span>, newest snapshot first
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            {shown.map((snapshot) => (
              <th scope="col" key={snapshot.id}>
                <time dateTime={snapshot.createdAt}>{formatDate(snapshot.createdAt)}</time>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">State</th>
            {versions.map((version, index) => (
              <td key={shown[index].id}>{version ? (version.deleted ? 'Deleted' : 'Present') : 'Not in this snapshot'}</td>
            ))}
          </tr>
          {fields.map((field) => (
            <tr key={field}>
              <th scope="row" class="mono">
                {field}
              </th>
              {versions.map((version, index) => {
                const value = showValue(version?.fields[field]);
                const older = versions[index + 1];
                const changed = version && older && value !== showValue(older.fields[field]);
                return (
                  <td key={shown[index].id} class={changed ? 'changed' : undefined}>
                    {value}
                    {changed && <span class="visually-hidden"> (changed)</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
