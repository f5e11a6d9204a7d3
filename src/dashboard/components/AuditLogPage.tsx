import { useCallback, useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { AUDIT_LOG, AUDIT_OUTCOMES, auditExportUrl, downloadAuditCsv, type AuditEntry, type AuditFilter, type AuditLogResult } from '../audit.ts';
import { formatDate } from '../format.ts';
import '../audit.css';

const OUTCOME_LABEL: Record<AuditEntry['outcome'], string> = { SUCCEEDED: 'Succeeded', FAILED: 'Failed', DENIED: 'Denied' };
const PAGE_SIZE = 50;

/** What the form holds: text as typed, turned into the API's filter on submit. */
interface FilterForm {
  action: string;
  actor: string;
  outcome: string;
  since: string;
  until: string;
}

const EMPTY_FORM: FilterForm = { action: '', actor: '', outcome: '', since: '', until: '' };

function filterFrom(form: FilterForm): AuditFilter {
  const filter: AuditFilter = {};
  if (form.action.trim()) filter.action = form.action.trim();
  if (form.actor.trim()) filter.actor = form.actor.trim();
  if (form.outcome) filter.outcome = form.outcome as AuditEntry['outcome'];
  // datetime-local is the browser's local time; the API takes an instant.
  if (form.since) filter.since = new Date(form.since).toISOString();
  if (form.until) filter.until = new Date(form.until).toISOString();
  return filter;
}

const actorText = (entry: AuditEntry) => (entry.actorRole ? `${entry.actorName} (${entry.actorRole})` : entry.actorName);

/** The audit log the key may read: newest first, filtered, paged, and downloadable as CSV. */
export function AuditLogPage({ apiKey }: { apiKey: string }) {
  const [form, setForm] = useState<FilterForm>(EMPTY_FORM);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (after: string | null) => {
      setBusy(true);
      try {
        const data = await request<AuditLogResult>(apiKey, AUDIT_LOG, { first: PAGE_SIZE, after, filter });
        const page = data.auditLog.edges.map((edge) => edge.node);
        setEntries((previous) => (after && previous ? [...previous, ...page] : page));
        setNext(data.auditLog.pageInfo.hasNextPage ? data.auditLog.pageInfo.endCursor : null);
        setError(null);
      } catch (failure) {
        setError((failure as Error).message);
      } finally {
        setBusy(false);
      }
    },
    [apiKey, filter],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const field = (name: keyof FilterForm) => ({
    id: `audit-${name}`,
    value: form[name],
    onInput: (event: Event) => setForm({ ...form, [name]: (event.target as HTMLInputElement).value }),
  });

  const download = async () => {
    try {
      await downloadAuditCsv(apiKey, auditExportUrl(filter));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <section class="audit" aria-labelledby="audit-heading">
      <div class="dashboard-heading">
        <h1 id="audit-heading">Audit log</h1>
        <button type="button" class="button button--quiet" onClick={() => void download()}>
          Download CSV
        </button>
      </div>
      <form
        class="audit-filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(filterFrom(form));
        }}
      >
        <div>
          <label for="audit-action">Action</label>
          <input type="text" placeholder="startRestore" {...field('action')} />
        </div>
        <div>
          <label for="audit-actor">Who</label>
          <input type="text" placeholder="key name, operator, scheduler" {...field('actor')} />
        </div>
        <div>
          <label for="audit-outcome">Outcome</label>
          <select {...field('outcome')}>
            <option value="">Any</option>
            {AUDIT_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {OUTCOME_LABEL[outcome]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="audit-since">From</label>
          <input type="datetime-local" {...field('since')} />
        </div>
        <div>
          <label for="audit-until">Until</label>
          <input type="datetime-local" {...field('until')} />
        </div>
        <div class="audit-filter-actions">
          <button type="submit" class="button">
            Apply
          </button>
          <button
            type="button"
            class="button button--quiet"
            onClick={() => {
              setForm(EMPTY_FORM);
              setFilter({});
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {error && (
        <p class="banner banner--error" role="alert">
          {error}
        </p>
      )}
      {entries === null && !error && <p role="status">Loading…</p>}
      {entries?.length === 0 && <p class="empty">No entries match.</p>}
      {entries && entries.length > 0 && (
        <table class="audit-table">
          <caption class="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Detail</th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td data-label="When">{formatDate(entry.at)}</td>
                <td data-label="Who">{actorText(entry)}</td>
                <td data-label="Action" class="mono">
                  {entry.action}
                </td>
                <td data-label="Target">{entry.targetType ?? '—'}</td>
                <td data-label="Outcome">
                  <span class={`audit-outcome audit-outcome--${entry.outcome.toLowerCase()}`}>{OUTCOME_LABEL[entry.outcome]}</span>
                </td>
                <td data-label="Detail">{entry.detail ?? ''}</td>
                <td data-label="Address" class="mono">
                  {entry.clientAddress ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="button button--quiet" disabled={busy} onClick={() => void load(next)}>
          Show older entries
        </button>
      )}
    </section>
  );
}
