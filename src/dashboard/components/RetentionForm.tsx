import { useState } from 'preact/hooks';
import { request } from '../api.ts';
import { formatDate } from '../format.ts';
import { PRUNE, SET_RETENTION, type Answer, type Rules, type Send } from '../unattended.ts';

type Preview = { kept: number; pruned: { id: string; createdAt: string; incremental: boolean }[] };

/** Grandfather-father-son retention rules, with a preview of the snapshots they would prune. */
export function RetentionForm({ apiKey, instanceId, rules, send, onError }: { apiKey: string; instanceId: string; rules: Rules; send: Send; onError: (text: string) => void }) {
  const [preview, setPreview] = useState<Preview | null>(null);

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
    const data = await request<{ pruneSnapshots: Answer & Preview }>(apiKey, PRUNE, {
      instanceId,
      dryRun: true,
      rules: rulesOf(form),
    }).catch((error: Error) => ({ pruneSnapshots: { __typename: 'Error', message: error.message, kept: 0, pruned: [] } }));
    const result = data.pruneSnapshots;
    if (result.message) onError(result.message);
    else setPreview(result);
  };

  return (
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
  );
}
