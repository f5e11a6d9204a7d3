import { CLEAR_POLICY, FREQUENCIES, SET_POLICY, type Frequency, type Send, type State } from '../unattended.ts';

/** The instance's backup schedule: frequency or cron, start window, objects, on or off. */
export function SchedulePolicyForm({ policy, send }: { policy: State['policy']; send: Send }) {
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

  return (
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
  );
}
