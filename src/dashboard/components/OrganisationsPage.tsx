import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { isUnauthenticated, type Outcome } from '../actions.ts';
import { createLiveClient, request } from '../api.ts';
import { CREATE_ORGANISATION, ORGANISATION_CHANGED, ORGANISATION_LIST, upsert, type OrganisationItem, type PageOf } from '../management.ts';
import type { Session } from './App.tsx';
import { ApiKeysPanel } from './ApiKeysPanel.tsx';
import { OrganisationAdmin } from './OrganisationAdmin.tsx';

/** What the page's parts send: queries, mutations answering a value or a typed error, subscriptions on the page's one socket. */
export interface Management {
  query<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  mutate<T>(document: string, field: string, variables: Record<string, unknown>): Promise<{ value?: T; outcome: Outcome }>;
  subscribe<T>(document: string, variables: Record<string, unknown>, handle: (data: T) => void): () => void;
}

function useManagement(apiKey: string, onKeyRefused: () => void): Management {
  const client = useMemo(() => createLiveClient(apiKey, (state) => state === 'refused' && onKeyRefused()), [apiKey, onKeyRefused]);
  useEffect(() => () => void client.dispose(), [client]);
  return useMemo<Management>(
    () => ({
      query: (document, variables) => request(apiKey, document, variables),
      async mutate<T>(document: string, field: string, variables: Record<string, unknown>) {
        try {
          const answer = (await request<Record<string, T & { __typename: string; message?: string }>>(apiKey, document, variables))[field];
          // A typed error (NameTaken, InvalidInput, NotFound…) is the message to show; nothing changed.
          if (answer.message !== undefined) return { outcome: { tone: 'error', message: answer.message } };
          return { value: answer, outcome: { tone: 'info', message: '' } };
        } catch (error) {
          if (isUnauthenticated(error)) onKeyRefused();
          return { outcome: { tone: 'error', message: (error as Error).message } };
        }
      },
      subscribe: (query, variables, handle) =>
        client.subscribe({ query, variables }, { next: (result) => result.data && handle(result.data as never), error: () => {}, complete: () => {} }),
    }),
    [apiKey, client, onKeyRefused],
  );
}

/**
 * The operator's organisations (list, create, rename, delete) with each one's keys; an ADMIN key
 * sees its own organisation's keys. Changes made elsewhere arrive live.
 */
export function OrganisationsPage({ session, onKeyRefused }: { session: Session; onKeyRefused: () => void }) {
  const management = useManagement(session.apiKey, onKeyRefused);
  const { viewer } = session;
  const [organisations, setOrganisations] = useState<OrganisationItem[] | null>(null);
  const [nextPage, setNextPage] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const load = useCallback(
    async (after: string | null = null) => {
      const { organisations: page } = await management.query<{ organisations: PageOf<OrganisationItem> }>(ORGANISATION_LIST, { after });
      setOrganisations((shown) => (after && shown ? [...shown, ...page.nodes] : page.nodes));
      setNextPage(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    },
    [management],
  );

  useEffect(() => {
    load().catch((error: Error) => setOutcome({ tone: 'error', message: error.message }));
    return management.subscribe<{ organisationChanged: { change: string; organisationId: string; organisation: OrganisationItem | null } }>(
      ORGANISATION_CHANGED,
      {},
      ({ organisationChanged: { organisationId, organisation } }) =>
        setOrganisations((shown) => shown && (organisation ? upsert(shown, organisation) : shown.filter((candidate) => candidate.id !== organisationId))),
    );
  }, [load, management]);

  const create = async (event: Event) => {
    event.preventDefault();
    const result = await management.mutate<OrganisationItem>(CREATE_ORGANISATION, 'createOrganisation', { name });
    if (result.value) {
      setOrganisations((shown) => shown && upsert(shown, result.value!));
      setName('');
    }
    setOutcome(result.value ? { tone: 'info', message: `${result.value.name} created. Mint an ADMIN key for it below.` } : result.outcome);
  };

  const removed = (id: string) => setOrganisations((shown) => shown && shown.filter((candidate) => candidate.id !== id));

  if (!viewer.isOperator) {
    return (
      <div class="management">
        <h1>API keys</h1>
        {viewer.organisation && <ApiKeysPanel organisation={viewer.organisation} management={management} />}
      </div>
    );
  }

  return (
    <div class="management">
      <h1>Organisations</h1>
      <form class="inline-form" aria-label="Create an organisation" onSubmit={(event) => void create(event)}>
        <label for="new-organisation">New organisation name</label>
        <div class="actions">
          <input id="new-organisation" type="text" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
          <button type="submit" class="button">
            Create organisation
          </button>
        </div>
      </form>
      <p class={`outcome ${outcome?.tone === 'error' ? 'outcome--error' : ''}`} role="status">
        {outcome?.message}
      </p>
      {organisations === null && <p role="status">Loading…</p>}
      {organisations?.length === 0 && <p class="muted">No organisations yet.</p>}
      {organisations?.map((organisation) => (
        <OrganisationAdmin key={organisation.id} organisation={organisation} management={management} onDeleted={removed} />
      ))}
      {nextPage && (
        <button type="button" class="button button--quiet" onClick={() => void load(nextPage)}>
          Show more organisations
        </button>
      )}
    </div>
  );
}
