import { useEffect, useState } from 'preact/hooks';
import { STATUS_LABEL, allowed, formatDate, formatNumber } from '../format.ts';
import type { InstanceDetails } from '../types.ts';
import type { Actions, Outcome } from '../actions.ts';
import { InstanceInsight } from './InstanceInsight.tsx';
import { InstanceSettings } from './InstanceSettings.tsx';
import { JobList } from './JobList.tsx';
import { RestoreForm } from './RestoreForm.tsx';
import { SnapshotBrowser } from './SnapshotBrowser.tsx';
import { UnattendedPanel } from './UnattendedPanel.tsx';
import { useReauthReason } from './useReauthReason.ts';

interface Props {
  instance: InstanceDetails;
  /** The API's message from tokenExhausted or a TokenExpired answer, until the instance is connected again. */
  exhaustedMessage: string | undefined;
  role: string | null;
  actions: Actions;
}

/** The newest of: the latest snapshot, the latest succeeded backup job among those loaded. */
function lastSuccessfulBackup(instance: InstanceDetails): string | null {
  const candidates = [
    instance.snapshots?.nodes[0]?.createdAt,
    ...instance.jobs.nodes.filter((job) => job.kind === 'BACKUP' && job.status === 'SUCCEEDED').map((job) => job.finishedAt),
  ].filter((value): value is string => Boolean(value));
  return candidates.sort().at(-1) ?? null;
}

/** A username or host broken only after its @ and dots, never inside a word. */
const breakable = (text: string) => text.split(/(?<=[@.])/).flatMap((part, index) => (index === 0 ? [part] : [<wbr key={index} />, part]));

export function InstanceCard({ instance, exhaustedMessage, role, actions }: Props) {
  const [busy, setBusy] = useState<'reauth' | 'backup' | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [restoring, setRestoring] = useState(false);
  const base = `instance-${instance.id}`;
  const needsReauth = instance.status === 'REAUTH_REQUIRED' || exhaustedMessage !== undefined;
  const tone = instance.status === 'NOT_CONNECTED' ? 'idle' : needsReauth ? 'danger' : 'ok';
  const canAdmin = allowed(role, 'ADMIN');
  const canOperate = allowed(role, 'OPERATOR');
  const last = lastSuccessfulBackup(instance);
  const remainingShare = instance.tokenLimit > 0 ? instance.tokensRemaining / instance.tokenLimit : 0;
  const reauthReason = useReauthReason(instance, needsReauth, exhaustedMessage, actions.query);
  const reauthLabel = instance.status === 'NOT_CONNECTED' ? 'Grant access' : 'Reauthenticate';

  const run = async (kind: 'reauth' | 'backup', action: () => Promise<Outcome | undefined>) => {
    setBusy(kind);
    setOutcome(null);
    const result = await action();
    setBusy(null);
    if (result) setOutcome(result);
  };
  // A notice about a job ("Backup queued.") goes once that job has ended: the job list says how.
  const noticeJob = outcome?.jobId && instance.jobs.nodes.find((job) => job.id === outcome.jobId);
  const noticeOutdated = noticeJob && !['QUEUED', 'RUNNING'].includes(noticeJob.status);
  useEffect(() => {
    if (noticeOutdated) setOutcome(null);
  }, [noticeOutdated]);
  const reauthenticate = () => run('reauth', () => actions.reauthenticate(instance.id));

  return (
    <article class={`card card--${tone}`} aria-labelledby={`${base}-name`} data-status={instance.status}>
      <header class="card-header">
        <h3 id={`${base}-name`}>{instance.name}</h3>
        <span class={`badge badge--${tone}`}>{STATUS_LABEL[instance.status]}</span>
      </header>

      {needsReauth && (
        <div class="alert" id={`${base}-alert`}>
          <p class="alert-title">{reauthReason}</p>
          <p>
            Backups and restores you start are refused until this instance is reauthenticated with Salesforce. Scheduled backups spend no
            token: they go on for as long as Salesforce accepts the grant (see the schedule below).
          </p>
          {canAdmin && (
            <button type="button" class="button button--danger" disabled={busy !== null} onClick={reauthenticate}>
              Reauthenticate
            </button>
          )}
        </div>
      )}

      <dl class="facts">
        <div>
          <dt>Salesforce username</dt>
          <dd>{instance.username ? <span class="username">{breakable(instance.username)}</span> : <span class="muted">Not connected yet</span>}</dd>
        </div>
        <div>
          <dt>Org ID</dt>
          <dd class="mono">{instance.salesforceOrgId ?? <span class="muted">—</span>}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>
            <span id={`${base}-tokens`}>
              {instance.tokensRemaining} of {instance.tokenLimit} left
            </span>
            <span
              class={`meter meter--${remainingShare === 0 ? 'empty' : remainingShare <= 0.4 ? 'low' : 'ok'}`}
              role="meter"
              aria-labelledby={`${base}-tokens`}
              aria-valuemin={0}
              aria-valuemax={instance.tokenLimit}
              aria-valuenow={instance.tokensRemaining}
            >
              <span class="meter-fill" style={{ width: `${Math.round(remainingShare * 100)}%` }} />
            </span>
          </dd>
        </div>
        <div>
          <dt>Last successful backup</dt>
          <dd>{last ? <time dateTime={last}>{formatDate(last)}</time> : <span class="muted">None yet</span>}</dd>
        </div>
        <div>
          <dt>API usage</dt>
          <dd>
            {instance.apiUsage ? (
              <>
                {formatNumber(instance.apiUsage.used)} of {formatNumber(instance.apiUsage.max)} calls
                {instance.apiUsage.max > 0 && ` (${Math.round((instance.apiUsage.used / instance.apiUsage.max) * 100)} %)`}
              </>
            ) : (
              <span class="muted">No reading yet</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Last authenticated</dt>
          <dd>
            {instance.lastAuthenticatedAt ? (
              <time dateTime={instance.lastAuthenticatedAt}>{formatDate(instance.lastAuthenticatedAt)}</time>
            ) : (
              <span class="muted">Never</span>
            )}
          </dd>
        </div>
      </dl>

      <div class="actions">
        {canAdmin && !needsReauth && (
          <button
            type="button"
            class={instance.status === 'NOT_CONNECTED' ? 'button' : 'button button--quiet'}
            disabled={busy !== null}
            onClick={reauthenticate}
          >
            {busy === 'reauth' ? 'Opening Salesforce…' : reauthLabel}
          </button>
        )}
        {canOperate && instance.status !== 'NOT_CONNECTED' && (
          <button type="button" class="button" disabled={busy !== null} onClick={() => run('backup', () => actions.backup(instance.id))}>
            {busy === 'backup' ? 'Starting backup…' : 'Back up now'}
          </button>
        )}
        {canOperate && instance.status !== 'NOT_CONNECTED' && (
          <button
            type="button"
            class="button button--quiet"
            aria-expanded={restoring}
            aria-controls={`${base}-restore`}
            onClick={() => setRestoring(!restoring)}
          >
            Restore…
          </button>
        )}
        {!canOperate && <span class="muted">This key can only read.</span>}
      </div>

      <p class={`outcome ${outcome?.tone === 'error' ? 'outcome--error' : ''}`} role="status">
        {outcome?.message}
      </p>
      {outcome?.proceedUrl && (
        <a class="button button--danger" href={outcome.proceedUrl}>
          Continue to Salesforce anyway
        </a>
      )}

      {restoring && (
        <RestoreForm
          id={`${base}-restore`}
          instance={instance}
          onCancel={() => setRestoring(false)}
          onSubmit={async (snapshotId, objects, overwrite) => {
            const result = await actions.restore(instance.id, snapshotId, objects, overwrite);
            setOutcome(result);
            if (result.tone === 'info') setRestoring(false);
          }}
        />
      )}

      {canAdmin && <InstanceSettings instance={instance} actions={actions} />}
      {instance.status !== 'NOT_CONNECTED' && <UnattendedPanel instance={instance} role={role} />}
      <InstanceInsight instance={instance} role={role} query={actions.query} />
      <SnapshotBrowser instance={instance} query={actions.query} />

      <JobList instance={instance} canCancel={canOperate} actions={actions} />
    </article>
  );
}
