import { useCallback, useEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { createActions, isUnauthenticated } from '../actions.ts';
import { request, type ConnectionState } from '../api.ts';
import { INSTANCE, ORGANISATIONS } from '../operations.ts';
import { initialState, reducer } from '../store.ts';
import type { InstanceDetails, Organisation } from '../types.ts';
import type { Session } from './App.tsx';
import { OrganisationView } from './OrganisationView.tsx';
import { useLiveUpdates } from './useLiveUpdates.ts';

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting live updates…',
  connected: 'Live updates on',
  reconnecting: 'Live updates lost; reconnecting…',
  refused: 'Live updates refused for this key',
};

interface OrganisationPage {
  organisations: { nodes: Organisation[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** The instances page: every organisation the key sees, with its instances, kept live. */
export function Dashboard({ session, onKeyRefused }: { session: Session; onKeyRefused: () => void }) {
  const { apiKey, viewer } = session;
  const [state, dispatch] = useReducer(reducer, initialState);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const announce = useCallback((text: string) => setAnnouncement((previous) => (previous === text ? `${text}\u00a0` : text)), []);

  /** The first page of organisations, or (with `after`) the next one added to those shown. */
  const load = useCallback(
    async (after?: string) => {
      try {
        const { organisations } = await request<OrganisationPage>(apiKey, ORGANISATIONS, { after: after ?? null });
        const nextPage = organisations.pageInfo.hasNextPage ? organisations.pageInfo.endCursor : null;
        dispatch({ type: 'loaded', organisations: organisations.nodes, nextPage, append: after !== undefined });
        setLoadError(null);
      } catch (error) {
        if (isUnauthenticated(error)) return onKeyRefused();
        setLoadError((error as Error).message);
      }
    },
    [apiKey, onKeyRefused],
  );
  const reload = useCallback(() => void load(), [load]);

  const reloadInstance = useCallback(
    async (id: string, organisationId?: string) => {
      const data = await request<{ instance: InstanceDetails & { __typename: string } }>(apiKey, INSTANCE, { id });
      if (data.instance.__typename !== 'Instance') return;
      dispatch(organisationId ? { type: 'added', organisationId, instance: data.instance } : { type: 'instance', instance: data.instance });
    },
    [apiKey],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const connection = useLiveUpdates({ apiKey, followsEveryOrganisation: viewer.isOperator, state, dispatch, announce, reload, reloadInstance, onKeyRefused });
  const actions = useMemo(() => createActions(apiKey, dispatch, onKeyRefused), [apiKey, onKeyRefused]);

  return (
    <div class="dashboard">
      <div class="dashboard-heading">
        <h1>Salesforce instances</h1>
        {/* With no organisation to follow no socket opens (the operator key always follows organisations being created). */}
        <p class={`connection connection--${connection ?? 'idle'}`} role="status">
          <span class="dot" aria-hidden="true" />
          {connection ? CONNECTION_LABEL[connection] : 'No organisations to follow live yet'}
        </p>
      </div>
      <div class="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {announcement}
      </div>
      {loadError && (
        <div class="banner banner--error" role="alert">
          <p>Could not load the organisations: {loadError}</p>
          <button type="button" class="button" onClick={reload}>
            Try again
          </button>
        </div>
      )}
      {state.organisations === null && !loadError && <p role="status">Loading…</p>}
      {state.organisations?.length === 0 && (
        <p>
          No organisations yet.{' '}
          {viewer.isOperator ? (
            <>
              Create one and an ADMIN key for it on the <a href="#organisations">Organisations</a> page.
            </>
          ) : (
            'Ask the operator for one.'
          )}
        </p>
      )}
      {state.organisations?.map((organisation) => (
        <OrganisationView key={organisation.id} organisation={organisation} exhaustion={state.exhaustion} role={viewer.role} actions={actions} />
      ))}
      {state.nextPage && (
        <button type="button" class="button button--quiet" onClick={() => void load(state.nextPage!)}>
          Show more organisations
        </button>
      )}
    </div>
  );
}
