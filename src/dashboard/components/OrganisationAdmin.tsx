import { useState } from 'preact/hooks';
import type { Outcome } from '../actions.ts';
import { formatDate } from '../format.ts';
import { DELETE_ORGANISATION, RENAME_ORGANISATION, type OrganisationItem } from '../management.ts';
import { ApiKeysPanel } from './ApiKeysPanel.tsx';
import { ConfirmByName } from './ConfirmByName.tsx';
import type { Management } from './OrganisationsPage.tsx';
import { RenameForm } from './RenameForm.tsx';

/** One organisation on the operator's page: rename it, delete it with everything it holds, manage its keys. */
export function OrganisationAdmin({ organisation, management, onDeleted }: { organisation: OrganisationItem; management: Management; onDeleted: (id: string) => void }) {
  const base = `organisation-${organisation.id}`;
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const rename = async (name: string) => {
    setBusy(true);
    const result = await management.mutate<OrganisationItem>(RENAME_ORGANISATION, 'renameOrganisation', { id: organisation.id, name });
    setBusy(false);
    setOutcome(result.value ? { tone: 'info', message: `Renamed to ${result.value.name}.` } : result.outcome);
  };

  const remove = async (confirmName: string) => {
    setBusy(true);
    const result = await management.mutate<{ name: string }>(DELETE_ORGANISATION, 'deleteOrganisation', { id: organisation.id, confirmName });
    setBusy(false);
    if (result.value) onDeleted(organisation.id);
    else setOutcome(result.outcome);
  };

  return (
    <section class="organisation" aria-labelledby={`${base}-name`}>
      <h2 id={`${base}-name`}>{organisation.name}</h2>
      <p class="muted">
        Created <time dateTime={organisation.createdAt}>{formatDate(organisation.createdAt)}</time>
      </p>
      <ApiKeysPanel organisation={organisation} management={management} />
      <details class="organisation-settings">
        <summary>Rename or delete {organisation.name}</summary>
        <RenameForm id={`${base}-rename`} current={organisation.name} busy={busy} onRename={(name) => void rename(name)} />
        <ConfirmByName
          id={`${base}-delete`}
          name={organisation.name}
          what="the organisation with all its instances, snapshots and keys"
          busy={busy}
          onConfirm={(typed) => void remove(typed)}
        />
      </details>
      <p class={`outcome ${outcome?.tone === 'error' ? 'outcome--error' : ''}`} role="status">
        {outcome?.message}
      </p>
    </section>
  );
}
