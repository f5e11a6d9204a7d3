import { useRef, useState } from 'preact/hooks';
import { allowed } from '../format.ts';
import type { Environment, Organisation } from '../types.ts';
import type { Actions } from '../actions.ts';
import { AddInstanceForm } from './AddInstanceForm.tsx';
import { InstanceCard } from './InstanceCard.tsx';

const ENVIRONMENTS: Environment[] = ['PRODUCTION', 'SANDBOX'];
const tabStorageKey = (organisationId: string) => `sfbackup.tab.${organisationId}`;

interface Props {
  organisation: Organisation;
  exhaustion: Record<string, string>;
  role: string | null;
  actions: Actions;
}

/** One organisation: its instances under PRODUCTION and SANDBOX tabs (the WAI-ARIA tabs pattern). */
export function OrganisationView({ organisation, exhaustion, role, actions }: Props) {
  const [selected, setSelected] = useState<Environment>(() => {
    const saved = sessionStorage.getItem(tabStorageKey(organisation.id));
    return saved === 'SANDBOX' ? 'SANDBOX' : 'PRODUCTION';
  });
  const tabs = useRef<Record<string, HTMLButtonElement | null>>({});
  const id = (environment: Environment, part: string) => `org-${organisation.id}-${environment}-${part}`;

  const choose = (environment: Environment, focus = false) => {
    setSelected(environment);
    sessionStorage.setItem(tabStorageKey(organisation.id), environment);
    if (focus) tabs.current[environment]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const index = ENVIRONMENTS.indexOf(selected);
    const moves: Record<string, number> = {
      ArrowRight: (index + 1) % ENVIRONMENTS.length,
      ArrowLeft: (index - 1 + ENVIRONMENTS.length) % ENVIRONMENTS.length,
      Home: 0,
      End: ENVIRONMENTS.length - 1,
    };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    choose(ENVIRONMENTS[next], true);
  };

  return (
    <section class="organisation" aria-labelledby={`org-${organisation.id}-name`}>
      <h2 id={`org-${organisation.id}-name`}>{organisation.name}</h2>
      <div role="tablist" aria-label={`Environments of ${organisation.name}`} class="tabs" onKeyDown={onKeyDown}>
        {ENVIRONMENTS.map((environment) => {
          const instances = organisation.instances.filter((instance) => instance.environment === environment);
          const attention = instances.filter((instance) => instance.status !== 'CONNECTED').length;
          return (
            <button
              key={environment}
              ref={(element) => {
                tabs.current[environment] = element;
              }}
              type="button"
              role="tab"
              id={id(environment, 'tab')}
              aria-selected={selected === environment}
              aria-controls={id(environment, 'panel')}
              tabIndex={selected === environment ? 0 : -1}
              class="tab"
              onClick={() => choose(environment)}
            >
              {environment}
              <span class="tab-count">
                <span class="visually-hidden">, </span>
                {instances.length}
                <span class="visually-hidden"> {instances.length === 1 ? 'instance' : 'instances'}</span>
              </span>
              {attention > 0 && (
                <span class="tab-attention">
                  <span aria-hidden="true">!</span>
                  <span class="visually-hidden">, {attention} need access granted</span>
                </span>
              )}
            </button>
          );
        })}
      </div>
      {ENVIRONMENTS.map((environment) => {
        const instances = organisation.instances.filter((instance) => instance.environment === environment);
        return (
          <div
            key={environment}
            role="tabpanel"
            id={id(environment, 'panel')}
            aria-labelledby={id(environment, 'tab')}
            hidden={selected !== environment}
            class="tab-panel"
          >
            {instances.length === 0 && <p class="empty">No {environment.toLowerCase()} instance in this organisation yet.</p>}
            {instances.length > 0 && (
              <div class="cards">
                {instances.map((instance) => (
                  <InstanceCard
                    key={instance.id}
                    instance={instance}
                    exhaustedMessage={exhaustion[instance.id]}
                    role={role}
                    actions={actions}
                  />
                ))}
              </div>
            )}
            {allowed(role, 'ADMIN') && (
              <AddInstanceForm environment={environment} onAdd={(name) => actions.addInstance(organisation.id, environment, name)} />
            )}
          </div>
        );
      })}
    </section>
  );
}
