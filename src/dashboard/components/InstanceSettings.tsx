import { useState } from 'preact/hooks';
import type { Actions, Outcome } from '../actions.ts';
import type { InstanceDetails } from '../types.ts';
import { ConfirmByName } from './ConfirmByName.tsx';
import { RenameForm } from './RenameForm.tsx';

/** Rename, disconnect (keeping or deleting the snapshots) or delete one instance; role ADMIN. */
export function InstanceSettings({ instance, actions }: { instance: InstanceDetails; actions: Actions }) {
  const base = `instance-${instance.id}-settings`;
  const [deleteSnapshots, setDeleteSnapshots] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const run = async (action: () => Promise<Outcome>) => {
    setBusy(true);
    setOutcome(null);
    setOutcome(await action());
    setBusy(false);
  };

  return (
    <details class="instance-settings">
      <summary>Manage instance</summary>
      <RenameForm id={`${base}-name`} current={instance.name} busy={busy} onRename={(name) => void run(() => actions.renameInstance(instance.id, name))} />

      {instance.status !== 'NOT_CONNECTED' && (
        <fieldset class="disconnect">
          <legend>Disconnect: revoke access at Salesforce</legend>
          <label class="check">
            <input type="radio" name={`${base}-snapshots`} checked={!deleteSnapshots} onChange={() => setDeleteSnapshots(false)} /> Keep its snapshots
          </label>
          <label class="check">
            <input type="radio" name={`${base}-snapshots`} checked={deleteSnapshots} onChange={() => setDeleteSnapshots(true)} /> Delete its snapshots
          </label>
          <button type="button" class="button button--quiet" disabled={busy} onClick={() => void run(() => actions.disconnectInstance(instance.id, deleteSnapshots))}>
            Disconnect
          </button>
        </fieldset>
      )}

      <ConfirmByName
        id={`${base}-delete`}
        name={instance.name}
        what="the instance with its jobs and snapshots (its access is revoked at Salesforce first)"
        busy={busy}
        onConfirm={(typed) => void run(() => actions.deleteInstance(instance.id, typed))}
      />
      <p class={`outcome ${outcome?.tone === 'error' ? 'outcome--error' : ''}`} role="status">
        {outcome?.message}
      </p>
    </details>
  );
}
