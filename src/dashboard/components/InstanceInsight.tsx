import { useCallback, useEffect, useState } from 'preact/hooks';
import '../insight.css';
import { allowed, formatDate, formatNumber } from '../format.ts';
import {
  ACKNOWLEDGE_ALERT,
  alertEvents,
  alertSummary,
  CREATE_EXPORT_LINK,
  INSTANCE_ALERTS,
  RESTORE_ALERT,
  RESTORE_RECORD,
  type ChangeKind,
  type DataAlert,
  type JobStartResult,
  type RecordChange,
} from '../insight.ts';
import type { InstanceDetails } from '../types.ts';
import { CompareView, type Query } from './CompareView.tsx';

interface Props {
  instance: InstanceDetails;
  role: string | null;
  query: Query;
}

interface Comparing {
  fromId: string;
  toId: string;
  object?: string;
  kinds?: ChangeKind[];
}

const started = (result: JobStartResult, what: string) => (result.__typename === 'Job' ? `${what} queued.` : (result.message ?? `${what} could not start.`));

/** An instance's mass-change alerts, and its snapshots compared and exported. */
export function InstanceInsight({ instance, role, query }: Props) {
  const base = `insight-${instance.id}`;
  const snapshots = instance.snapshots?.nodes ?? [];
  const canOperate = allowed(role, 'OPERATOR');
  const [alerts, setAlerts] = useState<DataAlert[]>([]);
  const [comparing, setComparing] = useState<Comparing | null>(null);
  const [fromId, setFromId] = useState('');
  const [toId, setToId] = useState('');
  const [exportObject, setExportObject] = useState('');
  const [notice, setNotice] = useState('');

  const loadAlerts = useCallback(async () => {
    try {
      const data = await query<{ instance: { dataAlerts?: { edges: { node: DataAlert }[] } } }>(INSTANCE_ALERTS, { id: instance.id });
      setAlerts(data.instance.dataAlerts?.edges.map((edge) => edge.node) ?? []);
    } catch {
      // The card still works without its alerts; the next event reads them again.
    }
  }, [query, instance.id]);

  useEffect(() => {
    void loadAlerts();
    return alertEvents.listen((alert) => {
      if (alert.instance.id === instance.id) void loadAlerts();
    });
  }, [loadAlerts, instance.id]);

  // The newest two snapshots by default: what the last backup changed.
  const newest = snapshots[0]?.id ?? '';
  const previous = snapshots[1]?.id ?? '';
  useEffect(() => {
    setToId(newest);
    setFromId(previous);
  }, [newest, previous]);

  const startJob = async (document: string, variables: Record<string, unknown>, key: string, what: string) => {
    try {
      setNotice(started((await query<Record<string, JobStartResult>>(document, variables))[key], what));
    } catch (error) {
      setNotice((error as Error).message);
    }
  };

  const restoreRecord = async (change: RecordChange) => {
    try {
      const data = await query<{ startRestore: JobStartResult }>(RESTORE_RECORD, {
        snapshotId: change.restoreFrom.id,
        objects: [change.object],
        recordIds: [change.recordId],
      });
      return started(data.startRestore, `Restore of ${change.recordId}`);
    } catch (error) {
      return (error as Error).message;
    }
  };

  const download = async (snapshotId: string, object: string | null) => {
    try {
      const data = await query<{ createExportLink: { __typename: string; url?: string; message?: string } }>(CREATE_EXPORT_LINK, { snapshotId, object });
      const result = data.createExportLink;
      if (!result.url) return setNotice(result.message ?? 'The export could not be made.');
      setNotice('Export downloading…');
      location.assign(result.url);
    } catch (error) {
      setNotice((error as Error).message);
    }
  };

  const snapshotLabel = (id: string) => {
    const snapshot = snapshots.find((s) => s.id === id);
    return snapshot ? `${formatDate(snapshot.createdAt)} — ${formatNumber(snapshot.recordCount)} records` : id;
  };
  const exportSnapshot = snapshots.find((s) => s.id === toId);

  return (
    <div class="insight">
      {alerts.length > 0 && (
        <section class="data-alerts" aria-labelledby={`${base}-alerts`}>
          <h4 id={`${base}-alerts`}>Mass changes found by backups</h4>
          <ul>
            {alerts.map((alert) => (
              <li key={alert.id} class="data-alert">
                <p>
                  <strong>
                    Backup of <time dateTime={alert.createdAt}>{formatDate(alert.createdAt)}</time>:
                  </strong>{' '}
                  {alertSummary(alert)}
                </p>
                <div class="actions">
                  <button
                    type="button"
                    class="button button--quiet button--small"
                    onClick={() =>
                      setComparing({
                        fromId: alert.previousSnapshot.id,
                        toId: alert.snapshot.id,
                        object: alert.objects.length === 1 ? alert.objects[0].object : undefined,
                        kinds: ['UPDATED', 'DELETED'],
                      })
                    }
                  >
                    Compare
                  </button>
                  {canOperate && (
                    <>
                      <button
                        type="button"
                        class="button button--quiet button--small"
                        onClick={() => void startJob(RESTORE_ALERT, { id: alert.id, dryRun: true }, 'restoreDataAlert', 'Dry run of the restore')}
                      >
                        Preview restore
                      </button>
                      <button
                        type="button"
                        class="button button--small"
                        onClick={() => void startJob(RESTORE_ALERT, { id: alert.id }, 'restoreDataAlert', 'Restore of these records')}
                      >
                        Restore these records
                      </button>
                      <button
                        type="button"
                        class="button button--quiet button--small"
                        onClick={async () => {
                          await query(ACKNOWLEDGE_ALERT, { id: alert.id }).catch(() => {});
                          void loadAlerts();
                        }}
                      >
                        Acknowledge
                      </button>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}

      {snapshots.length > 0 && (
        <details class="snapshot-tools">
          <summary>Compare and export snapshots</summary>
          <div class="snapshot-pickers">
            {(
              [
                ['From', fromId, setFromId],
                ['To', toId, setToId],
              ] as const
            ).map(([label, value, choose]) => (
              <label key={label}>
                {label}
                <select value={value} onChange={(event) => choose(event.currentTarget.value)}>
                  {snapshots.map((s) => (
                    <option key={s.id} value={s.id}>
                      {snapshotLabel(s.id)}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          <div class="actions">
            <button type="button" class="button button--quiet button--small" disabled={!fromId || !toId} onClick={() => setComparing({ fromId, toId })}>
              Compare
            </button>
            <label>
              Export of “To”{' '}
              <select value={exportObject} onChange={(event) => setExportObject(event.currentTarget.value)}>
                <option value="">Every object (zip)</option>
                {exportSnapshot?.objects.map((o) => (
                  <option key={o.name} value={o.name}>
                    {o.name} (CSV)
                  </option>
                ))}
              </select>
            </label>
            <button type="button" class="button button--quiet button--small" disabled={!toId} onClick={() => void download(toId, exportObject || null)}>
              Download
            </button>
          </div>
        </details>
      )}

      {comparing && (
        <CompareView
          key={`${comparing.fromId}:${comparing.toId}:${comparing.object ?? ''}`}
          id={`${base}-compare`}
          fromId={comparing.fromId}
          toId={comparing.toId}
          initialObject={comparing.object}
          initialKinds={comparing.kinds}
          query={query}
          restoreRecord={canOperate ? restoreRecord : null}
          onClose={() => setComparing(null)}
        />
      )}
      <p class="outcome" role="status">
        {notice}
      </p>
    </div>
  );
}
