import { useEffect, useState } from 'preact/hooks';
import type { Actions } from '../actions.ts';
import { formatBytes, showValue, SNAPSHOT_OBJECTS, SNAPSHOT_RECORDS, type SnapshotObjectDetails, type StoredRecord } from '../browse.ts';
import { formatDate, formatNumber } from '../format.ts';
import type { InstanceDetails } from '../types.ts';
import { RecordHistory } from './RecordHistory.tsx';

type Page = { nodes: StoredRecord[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
type Answer<T> = { snapshot: { __typename: string; message?: string } & T };

/** A few fields that tell records apart in a list. */
const summary = (record: StoredRecord) =>
  ['Name', 'Subject', 'Title', 'Email', 'LastName']
    .filter((field) => record.fields[field] !== undefined && record.fields[field] !== null)
    .map((field) => showValue(record.fields[field]))
    .join(' · ');

/** One snapshot's objects (skipped ones with Salesforce's reason, files per object), its records searched, one record across snapshots. */
export function SnapshotBrowser({ instance, query }: { instance: InstanceDetails; query: Actions['query'] }) {
  const base = `instance-${instance.id}-browse`;
  const snapshots = instance.snapshots?.nodes ?? [];
  const [snapshotId, setSnapshotId] = useState(snapshots[0]?.id ?? '');
  const [objects, setObjects] = useState<SnapshotObjectDetails[] | null>(null);
  const [object, setObject] = useState('');
  const [search, setSearch] = useState('');
  const [records, setRecords] = useState<Page | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!snapshotId) return;
    setObjects(null);
    query<Answer<{ objects?: SnapshotObjectDetails[] }>>(SNAPSHOT_OBJECTS, { id: snapshotId }).then(({ snapshot }) => {
      if (snapshot.message) return setError(snapshot.message);
      setObjects(snapshot.objects ?? []);
      setObject((current) => current || (snapshot.objects?.find((o) => o.state === 'COMPLETE')?.name ?? ''));
    }, (failure: Error) => setError(failure.message));
  }, [query, snapshotId]);

  const find = async (after: string | null = null) => {
    setError(null);
    try {
      const { snapshot } = await query<Answer<{ records?: Page }>>(SNAPSHOT_RECORDS, { id: snapshotId, object, search: search.trim() || null, after });
      if (snapshot.message) return setError(snapshot.message);
      const page = snapshot.records!;
      setRecords((shown) => (after && shown ? { nodes: [...shown.nodes, ...page.nodes], pageInfo: page.pageInfo } : page));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  if (snapshots.length === 0) return null;
  return (
    <details class="snapshot-browser">
      <summary>Browse snapshots</summary>
      <label class="field">
        Snapshot
        <select value={snapshotId} onChange={(event) => { setSnapshotId(event.currentTarget.value); setRecords(null); setChosen(null); }}>
          {snapshots.map((snapshot) => (
            <option key={snapshot.id} value={snapshot.id}>
              {formatDate(snapshot.createdAt)} — {snapshot.incremental ? 'incremental' : 'full'}
            </option>
          ))}
        </select>
      </label>
      {objects && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Objects of the snapshot">
          <table class="snapshot-objects">
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">State</th>
                <th scope="col">Records</th>
                <th scope="col">Deleted</th>
                <th scope="col">Files</th>
              </tr>
            </thead>
            <tbody>
              {objects.map((o) => (
                <tr key={o.name} data-state={o.state}>
                  <th scope="row" class="mono">{o.name}</th>
                  <td>{o.state === 'SKIPPED' ? <>Skipped: {o.reason ?? 'no reason given'}</> : 'Complete'}</td>
                  <td>{formatNumber(o.recordCount)}</td>
                  <td>{formatNumber(o.deletedCount)}</td>
                  <td>{o.blobCount > 0 ? `${formatNumber(o.blobCount)} (${formatBytes(o.blobBytes)})` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        class="inline-form"
        aria-label={`Search the records of ${instance.name}`}
        onSubmit={(event) => {
          event.preventDefault();
          setChosen(null);
          void find();
        }}
      >
        <label>
          Object
          <select value={object} onChange={(event) => setObject(event.currentTarget.value)}>
            {objects?.filter((o) => o.state === 'COMPLETE').map((o) => (
              <option key={o.name} value={o.name}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label for={`${base}-search`}>
          Search any field
          <input id={`${base}-search`} type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
        </label>
        <button type="submit" class="button button--quiet" disabled={!object}>
          Search records
        </button>
      </form>
      {error && <p class="outcome outcome--error">{error}</p>}
      {records && records.nodes.length === 0 && (
        <p class="muted">{records.pageInfo.hasNextPage ? 'None found yet: a search reads a large object a part at a time.' : 'No records match.'}</p>
      )}
      {records && records.nodes.length > 0 && (
        <ul class="record-list" aria-label="Records found">
          {records.nodes.map((record) => (
            <li key={record.id}>
              <button type="button" class="link-button" aria-pressed={chosen === record.id} onClick={() => setChosen(record.id)}>
                <span class="mono">{record.id}</span>
              </button>{' '}
              {summary(record)}
              {record.deleted && <span class="muted"> (deleted)</span>}
            </li>
          ))}
        </ul>
      )}
      {records?.pageInfo.hasNextPage && (
        <button type="button" class="button button--quiet button--small" onClick={() => void find(records.pageInfo.endCursor)}>
          More records
        </button>
      )}
      {chosen && <RecordHistory object={object} recordId={chosen} snapshots={snapshots} query={query} />}
    </details>
  );
}
