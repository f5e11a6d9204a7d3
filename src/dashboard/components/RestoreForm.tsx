import { useState } from 'preact/hooks';
import { formatDate, formatNumber } from '../format.ts';
import type { InstanceDetails } from '../types.ts';

interface Props {
  id: string;
  instance: InstanceDetails;
  onSubmit: (snapshotId: string, objects: string[], overwrite: boolean) => Promise<void>;
  onCancel: () => void;
}

/** Choose a snapshot, which of its objects to write back, and whether to overwrite changed records. */
export function RestoreForm({ id, instance, onSubmit, onCancel }: Props) {
  const snapshots = instance.snapshots?.nodes ?? [];
  const [snapshotId, setSnapshotId] = useState(snapshots[0]?.id ?? '');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  // Records changed since the snapshot are kept unless the user asks otherwise.
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const snapshot = snapshots.find((candidate) => candidate.id === snapshotId);

  if (snapshots.length === 0) {
    return (
      <div id={id} class="restore">
        <p>No snapshot yet: a successful backup makes one.</p>
        <button type="button" class="button button--quiet" onClick={onCancel}>
          Close
        </button>
      </div>
    );
  }

  const toggle = (name: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(name);
    else next.delete(name);
    setChosen(next);
  };

  return (
    <form
      id={id}
      class="restore"
      aria-label={`Restore ${instance.name}`}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        await onSubmit(snapshotId, [...chosen], overwrite);
        setBusy(false);
      }}
    >
      <label for={`${id}-snapshot`}>Snapshot</label>
      <select
        id={`${id}-snapshot`}
        value={snapshotId}
        onChange={(event) => {
          setSnapshotId(event.currentTarget.value);
          setChosen(new Set());
        }}
      >
        {snapshots.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {formatDate(candidate.createdAt)} — {formatNumber(candidate.recordCount)} records{candidate.incremental ? ' (incremental)' : ''}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>Objects (none chosen restores every object of the snapshot)</legend>
        <div class="object-choices">
          {snapshot?.objects.map((object) => (
            <label key={object.name} class="check">
              <input type="checkbox" checked={chosen.has(object.name)} onChange={(event) => toggle(object.name, event.currentTarget.checked)} />
              {object.name} <span class="muted">({formatNumber(object.recordCount)})</span>
            </label>
          ))}
        </div>
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={overwrite} onChange={(event) => setOverwrite(event.currentTarget.checked)} />
        Overwrite records changed since the snapshot
      </label>
      <div class="actions">
        <button type="submit" class="button" disabled={busy || !snapshotId}>
          {busy ? 'Starting restore…' : 'Start restore'}
        </button>
        <button type="button" class="button button--quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
