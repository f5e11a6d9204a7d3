import { useCallback, useEffect, useState } from 'preact/hooks';
import { formatDate, formatNumber } from '../format.ts';
import { COMPARE_SNAPSHOTS, type ChangeKind, type Comparison, type RecordChange } from '../insight.ts';

const KINDS: ChangeKind[] = ['CREATED', 'UPDATED', 'DELETED'];
const KIND_LABEL: Record<ChangeKind, string> = { CREATED: 'Created', UPDATED: 'Updated', DELETED: 'Deleted' };

export type Query = <T>(document: string, variables?: Record<string, unknown>) => Promise<T>;

interface Props {
  id: string;
  fromId: string;
  toId: string;
  /** Narrow the list at first (an alert's objects and kinds). */
  initialObject?: string;
  initialKinds?: ChangeKind[];
  query: Query;
  /** Restores one changed record from the snapshot holding it before the change; null without the role. */
  restoreRecord: ((change: RecordChange) => Promise<string>) | null;
  onClose: () => void;
}

const shown = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/** What changed between two snapshots: counts per object, then the records with their field changes. */
export function CompareView({ id, fromId, toId, initialObject, initialKinds, query, restoreRecord, onClose }: Props) {
  const [object, setObject] = useState(initialObject ?? '');
  const [kinds, setKinds] = useState<ChangeKind[]>(initialKinds ?? []);
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [changes, setChanges] = useState<RecordChange[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string>('');

  const load = useCallback(
    async (after: string | null) => {
      try {
        const data = await query<{ compareSnapshots: Comparison & { __typename: string; message?: string } }>(COMPARE_SNAPSHOTS, {
          from: fromId,
          to: toId,
          object: object || null,
          kinds: kinds.length ? kinds : null,
          after,
        });
        const result = data.compareSnapshots;
        if (result.__typename !== 'SnapshotComparison') return setError(result.message ?? 'The snapshots could not be compared.');
        setError(null);
        setComparison(result);
        const page = result.changes.edges.map((edge) => edge.node);
        setChanges((previous) => (after ? [...previous, ...page] : page));
      } catch (failure) {
        setError((failure as Error).message);
      }
    },
    [query, fromId, toId, object, kinds],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const toggleKind = (kind: ChangeKind, on: boolean) => setKinds(on ? [...kinds, kind] : kinds.filter((k) => k !== kind));

  return (
    <section id={id} class="compare" aria-labelledby={`${id}-title`}>
      <div class="compare-heading">
        <h4 id={`${id}-title`}>
          {comparison ? `Changes from ${formatDate(comparison.from.createdAt)} to ${formatDate(comparison.to.createdAt)}` : 'Comparing snapshots…'}
        </h4>
        <button type="button" class="button button--quiet button--small" onClick={onClose}>
          Close
        </button>
      </div>
      {error && (
        <p class="outcome outcome--error" role="alert">
          {error}
        </p>
      )}
      {comparison && (
        <>
          {comparison.objects.length === 0 ? (
            <p class="muted">No record changed between these snapshots.</p>
          ) : (
            <table class="change-counts">
              <caption class="visually-hidden">Changed records per object</caption>
              <thead>
                <tr>
                  <th scope="col">Object</th>
                  <th scope="col">Created</th>
                  <th scope="col">Updated</th>
                  <th scope="col">Deleted</th>
                </tr>
              </thead>
              <tbody>
                {comparison.objects.map((o) => (
                  <tr key={o.object}>
                    <th scope="row">{o.object}</th>
                    <td>{formatNumber(o.created)}</td>
                    <td>{formatNumber(o.updated)}</td>
                    <td>{formatNumber(o.deleted)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="compare-filters">
            <label>
              Object{' '}
              <select value={object} onChange={(event) => setObject(event.currentTarget.value)}>
                <option value="">All objects</option>
                {comparison.comparedObjects.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <fieldset class="kind-filter">
              <legend>Changes</legend>
              {KINDS.map((kind) => (
                <label key={kind} class="check">
                  <input type="checkbox" checked={kinds.includes(kind)} onChange={(event) => toggleKind(kind, event.currentTarget.checked)} />
                  {KIND_LABEL[kind]}
                </label>
              ))}
            </fieldset>
          </div>
          <ul class="change-list" aria-label="Changed records">
            {changes.map((change) => (
              <li key={`${change.object}:${change.recordId}`} class={`change change--${change.kind.toLowerCase()}`}>
                <details>
                  <summary>
                    <span class="change-kind">{KIND_LABEL[change.kind]}</span> {change.object} <span class="mono">{change.recordId}</span>
                  </summary>
                  <table class="field-diff">
                    <caption class="visually-hidden">Field changes of {change.recordId}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Field</th>
                        <th scope="col">Before</th>
                        <th scope="col">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {change.fields.map((field) => (
                        <tr key={field.field}>
                          <th scope="row" class="mono">
                            {field.field}
                          </th>
                          <td>{shown(field.old)}</td>
                          <td>{shown(field.new)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
                {restoreRecord && (
                  <button
                    type="button"
                    class="button button--quiet button--small"
                    aria-label={`Restore ${change.object} ${change.recordId}`}
                    onClick={async () => setNotice(await restoreRecord(change))}
                  >
                    Restore
                  </button>
                )}
              </li>
            ))}
          </ul>
          {comparison.changes.pageInfo.hasNextPage && (
            <button type="button" class="button button--quiet button--small" onClick={() => void load(comparison.changes.pageInfo.endCursor)}>
              Show more changes
            </button>
          )}
          <p class="outcome" role="status">
            {notice}
          </p>
        </>
      )}
    </section>
  );
}
