import { useCallback, useEffect, useState } from 'preact/hooks';
import { request, storedKey } from '../api.ts';
import { allowed, formatDate } from '../format.ts';
import type { InstanceDetails } from '../types.ts';
import { DEFAULT_RULES, runLabel, STATE, type Answer, type State } from '../unattended.ts';
import { RetentionForm } from './RetentionForm.tsx';
import { SchedulePolicyForm } from './SchedulePolicyForm.tsx';

/** Schedules, retention and warnings of one instance, with queries of its own. */
export function UnattendedPanel({ instance, role }: { instance: InstanceDetails; role: string | null }) {
  const base = `instance-${instance.id}`;
  const apiKey = storedKey.get() ?? '';
  const canAdmin = allowed(role, 'ADMIN');
  const [state, setState] = useState<State | null>(null);
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | null>(null);

  const load = useCallback(async () => {
    const data = await request<{ instance: State }>(apiKey, STATE, { id: instance.id });
    setState(data.instance);
  }, [apiKey, instance.id]);

  // Reloaded whenever the instance changes (instanceUpdated follows every scheduled run).
  useEffect(() => {
    load().catch(() => {});
  }, [load, instance]);

  const send = async (query: string, variables: Record<string, unknown>, field: string, done: string) => {
    try {
      const data = await request<Record<string, Answer>>(apiKey, query, { instanceId: instance.id, ...variables });
      const answer = data[field];
      setMessage(answer.message ? { tone: 'error', text: answer.message } : { tone: 'info', text: done });
      await load();
      return answer;
    } catch (error) {
      setMessage({ tone: 'error', text: (error as Error).message });
      return undefined;
    }
  };

  if (!state) return null;
  const policy = state.policy;
  const rules = state.retention ?? DEFAULT_RULES;
  const spent = instance.tokensRemaining === 0 && state.grantLive;

  return (
    <section class="unattended" aria-labelledby={`${base}-unattended`}>
      <h4 id={`${base}-unattended`}>Scheduled backups</h4>
      {state.tokensLow && instance.tokensRemaining > 0 && (
        <p class="warning" role="note">
          Only {instance.tokensRemaining} {instance.tokensRemaining === 1 ? 'token' : 'tokens'} left: reauthenticate soon, or backups you start will be refused.
          Scheduled backups spend no token.
        </p>
      )}
      {spent && (
        <p class="warning" role="note">
          Every token is spent: backups and restores you start are refused, but scheduled backups go on for as long as Salesforce accepts the grant.
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>Next scheduled backup</dt>
          <dd id={`${base}-next-backup`}>
            {state.nextBackupAt ? <time dateTime={state.nextBackupAt}>{formatDate(state.nextBackupAt)}</time> : <span class="muted">No schedule</span>}
          </dd>
        </div>
        <div>
          <dt>Last scheduled backup</dt>
          <dd>
            {state.lastScheduledRun ? (
              <>
                <time dateTime={state.lastScheduledRun.claimedAt}>{formatDate(state.lastScheduledRun.claimedAt)}</time>: {runLabel(state.lastScheduledRun)}
              </>
            ) : (
              <span class="muted">None yet</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Grant last checked</dt>
          <dd>{state.grantCheckedAt ? <time dateTime={state.grantCheckedAt}>{formatDate(state.grantCheckedAt)}</time> : <span class="muted">Not yet</span>}</dd>
        </div>
      </dl>

      {state.scheduledRuns.nodes.length > 0 && (
        <details>
          <summary>Schedule history</summary>
          <ol class="runs">
            {state.scheduledRuns.nodes.map((run) => (
              <li key={run.claimedAt}>
                <time dateTime={run.scheduledFor}>{formatDate(run.scheduledFor!)}</time>: {runLabel(run)}
              </li>
            ))}
          </ol>
        </details>
      )}

      {canAdmin && <SchedulePolicyForm policy={policy} send={send} />}
      {canAdmin && <RetentionForm apiKey={apiKey} instanceId={instance.id} rules={rules} send={send} onError={(text) => setMessage({ tone: 'error', text })} />}
      <p class={`outcome ${message?.tone === 'error' ? 'outcome--error' : ''}`} role="status" aria-label="Schedule outcome">
        {message?.text}
      </p>
    </section>
  );
}
