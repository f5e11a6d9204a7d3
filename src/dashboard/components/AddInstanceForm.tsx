import { useState } from 'preact/hooks';
import type { Environment } from '../types.ts';
import type { Outcome } from '../actions.ts';

/** Registers a Salesforce org under this tab (addInstance, role ADMIN); it starts NOT_CONNECTED. */
export function AddInstanceForm({ environment, onAdd }: { environment: Environment; onAdd: (name: string) => Promise<Outcome> }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const id = `add-instance-${environment}`;
  return (
    <form
      class="add-instance"
      aria-label={`Add a ${environment.toLowerCase()} instance`}
      onSubmit={async (event) => {
        event.preventDefault();
        if (!name.trim()) return;
        setBusy(true);
        const result = await onAdd(name.trim());
        setBusy(false);
        setOutcome(result);
        if (result.tone === 'info') setName('');
      }}
    >
      <label for={id}>New {environment.toLowerCase()} instance name</label>
      <div class="actions">
        <input id={id} type="text" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        <button type="submit" class="button button--quiet" disabled={busy}>
          Add instance
        </button>
      </div>
      <p class={`outcome ${outcome?.tone === 'error' ? 'outcome--error' : ''}`} role="status">
        {outcome?.message}
      </p>
    </form>
  );
}
