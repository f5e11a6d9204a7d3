import { useCallback, useEffect, useState } from 'preact/hooks';
import { request, storedKey } from '../api.ts';
import { allowed, formatDate, JOB_STATUS_LABEL } from '../format.ts';
import type { InstanceDetails } from '../types.ts';

/** Schedules, retention and warnings of one instance, with queries of its own. */

const STATE = `query ($id: ID!) {
  instance(id: $id) {
    ... on Instance {
      tokensLow grantLive nextBackupAt grantCheckedAt
      policy { frequency cron windowStart windowHours objects enabled }
      lastScheduledRun { status reason claimedAt job { status } }
      scheduledRuns(first: 10) { nodes { status reason scheduledFor claimedAt job { status } } }
      retention { keepAllDays dailyWeeks weeklyMonths keepLast }
    }
  }
}`;

const SET_POLICY = `mutation ($instanceId: ID!, $frequency: BackupFrequency!, $cron: String, $windowStart: String, $windowHours: Int, $objects: [String!], $enabled: Boolean) {
  setBackupPolicy(instanceId: $instanceId, frequency: $frequency, cron: $cron, windowStart: $windowStart, windowHours: $windowHours, objects: $objects, enabled: $enabled) {
    __typename ... on Error { message }
  }
}`;
const CLEAR_POLICY = `mutation ($instanceId: ID!) { clearBackupPolicy(instanceId: $instanceId) { __typename ... on Error { message } } }`;
const SET_RETENTION = `mutation ($instanceId: ID!, $rules: RetentionRulesInput!) {
  setRetentionPolicy(instanceId: $instanceId, rules: $rules) { __typename ... on Error { message } }
}`;
const PRUNE = `mutation ($instanceId: ID!, $dryRun: Boolean!, $rules: RetentionRulesInput) {
  pruneSnapshots(instanceId: $instanceId, dryRun: $dryRun, rules: $rules) {
    __typename
    ... on PruneSummary { kept pruned { id createdAt incremental } }
    ... on Error { message }
  }
}`;

type Frequency = 'EVERY_12_HOURS' | 'EVERY_18_HOURS' | 'EVERY_24_HOURS' | 'CRON';
interface Run {
  status: 'STARTED' | 'SKIPPED';
  reason: string | null;
  scheduledFor?: string;
  claimedAt: string;
  job: { status: keyof typeof JOB_STATUS_LABEL } | null;
}
interface Rules {
  keepAllDays: number;
  dailyWeeks: number;
  weeklyMonths: number;
  keepLast: number;
}
interface State {
  tokensLow: boolean;
  grantLive: boolean;
  nextBackupAt: string | null;
  grantCheckedAt: string | null;
  policy: { frequency: Frequency; cron: string | null; windowStart: string | null; windowHours: number | null; objects: string[]; enabled: boolean } | null;
  lastScheduledRun: Run | null;
  scheduledRuns: { nodes: Run[] };
  retention: Rules | null;
}
type Answer = { __typename: string; message?: string };

const FREQUENCIES: [Frequency, string][] = [
  ['EVERY_12_HOURS', 'Every 12 hours'],
  ['EVERY_18_HOURS', 'Every 18 hours'],
  ['EVERY_24_HOURS', 'Every 24 hours'],
  ['CRON', 'Cron expression'],
];
const DEFAULT_RULES: Rules = { keepAllDays: 7, dailyWeeks: 4, weeklyMonths: 12, keepLast: 3 };

const runLabel = (run: Run) =>
  run.status === 'SKIPPED' ? `Skipped: ${run.reason ?? ''}` : run.job ? `Started, ${JOB_STATUS_LABEL[run.job.status].toLowerCase()}` : 'Starting';

export function UnattendedPanel({ instance, role }: { instance: InstanceDetails; role: string | null }) {
  const base = `instance-${instance.id}`;
  const apiKey = storedKey.get() ?? '';
  const canAdmin = allowed(role, 'ADMIN');
  const [state, setState] = useState<State | null>(null);
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | null>(null);
  const [preview, setPreview] = useState<{ kept: number; pruned: { id: string; createdAt: string; incremental: boolean }[] } | null>(null);

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

  const savePolicy = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => (form.get(name) as string | null) ?? '';
    const frequency = text('frequency') as Frequency;
    const windowStart = text('windowStart');
    const objects = text('objects').split(',').map((name) => name.trim()).filter(Boolean);
    void send(
      SET_POLICY,
      {
        frequency,
        cron: frequency === 'CRON' ? text('cron') : null,
        windowStart: windowStart || null,
        windowHours: windowStart ? Number(form.get('windowHours') || 24) : null,
        objects,
        enabled: form.get('enabled') === 'on',
      },
      'setBackupPolicy',
      'Schedule saved.',
    );
  };

  const rulesOf = (form: HTMLFormElement): Rules => {
    const data = new FormData(form);
    return {
      keepAllDays: Number(data.get('keepAllDays')),
      dailyWeeks: Number(data.get('dailyWeeks')),
      weeklyMonths: Number(data.get('weeklyMonths')),
      keepLast: Number(data.get('keepLast')),
    };
  };

  const previewRetention = async (form: HTMLFormElement) => {
    const data = await request<{ pruneSnapshots: Answer & { kept: number; pruned: { id: string; createdAt: string; incremental: boolean }[] } }>(apiKey, PRUNE, {
      instanceId: instance.id,
      dryRun: true,
      rules: rulesOf(form),
    }).catch((error: Error) => ({ pruneSnapshots: { __typename: 'Error', message: error.message, kept: 0, pruned: [] } }));
    const result = data.pruneSnapshots;
    if (result.message) setMessage({ tone: 'error', text: result.message });
    else setPreview(result);
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

      {canAdmin && (
        <details>
          <summary>Schedule settings</summary>
          <form class="policy" aria-label="Backup schedule" onSubmit={savePolicy}>
            <label>
              Frequency
              <select name="frequency" value={policy?.frequency ?? 'EVERY_24_HOURS'}>
                {FREQUENCIES.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Cron expression (UTC, with Cron)
              <input name="cron" value={policy?.cron ?? ''} placeholder="0 2 * * *" />
            </label>
            <label>
              Start window from (UTC)
              <input name="windowStart" type="time" value={policy?.windowStart ?? ''} />
            </label>
            <label>
              Window length (hours)
              <input name="windowHours" type="number" min={1} max={24} value={policy?.windowHours ?? 24} />
            </label>
            <label>
              Objects (comma-separated; empty for the whole org)
              <input name="objects" value={policy?.objects.join(', ') ?? ''} />
            </label>
            <label class="check">
              <input name="enabled" type="checkbox" checked={policy?.enabled ?? true} /> Enabled
            </label>
            <div class="actions">
              <button type="submit" class="button">
                Save schedule
              </button>
              {policy && (
                <button type="button" class="button button--quiet" onClick={() => void send(CLEAR_POLICY, {}, 'clearBackupPolicy', 'Schedule removed.')}>
                  Remove schedule
                </button>
              )}
            </div>
          </form>
        </details>
      )}

      {canAdmin && (
        <details>
          <summary>Retention</summary>
          <form
            class="policy"
            aria-label="Retention"
            onSubmit={(event) => {
              event.preventDefault();
              void send(SET_RETENTION, { rules: rulesOf(event.currentTarget) }, 'setRetentionPolicy', 'Retention saved; snapshots are pruned after scheduled backups.');
            }}
          >
            <label>
              Keep every snapshot for (days)
              <input name="keepAllDays" type="number" min={0} value={rules.keepAllDays} />
            </label>
            <label>
              then one a day for (weeks)
              <input name="dailyWeeks" type="number" min={0} value={rules.dailyWeeks} />
            </label>
            <label>
              then one a week for (months)
              <input name="weeklyMonths" type="number" min={0} value={rules.weeklyMonths} />
            </label>
            <label>
              and never fewer than the last
              <input name="keepLast" type="number" min={1} value={rules.keepLast} />
            </label>
            <div class="actions">
              <button type="button" class="button button--quiet" onClick={(event) => void previewRetention((event.currentTarget).form!)}>
                Preview
              </button>
              <button type="submit" class="button">
                Save retention
              </button>
            </div>
            {preview && (
              <div role="status">
                {preview.pruned.length === 0
                  ? `Nothing would be pruned; ${preview.kept} snapshots kept.`
                  : `${preview.pruned.length} snapshots would be pruned, ${preview.kept} kept:`}
                <ul>
                  {preview.pruned.map((snapshot) => (
                    <li key={snapshot.id}>
                      <time dateTime={snapshot.createdAt}>{formatDate(snapshot.createdAt)}</time> {snapshot.incremental ? '(incremental)' : '(full)'}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </form>
        </details>
      )}
      <p class={`outcome ${message?.tone === 'error' ? 'outcome--error' : ''}`} role="status" aria-label="Schedule outcome">
        {message?.text}
      </p>
    </section>
  );
}
