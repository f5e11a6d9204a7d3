import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Outcome } from '../actions.ts';
import { formatDate } from '../format.ts';
import { API_KEY_CHANGED, API_KEYS, CREATE_API_KEY, REVOKE_API_KEY, upsert, type ApiKeyItem, type PageOf } from '../management.ts';
import type { Management } from './OrganisationsPage.tsx';

const ROLES: ApiKeyItem['role'][] = ['VIEWER', 'OPERATOR', 'ADMIN'];

/** One organisation's keys: listed without secrets, minted (the secret shown this once), revoked; kept live. */
export function ApiKeysPanel({ organisation, management }: { organisation: { id: string; name: string }; management: Management }) {
  const base = `keys-${organisation.id}`;
  const [keys, setKeys] = useState<ApiKeyItem[] | null>(null);
  const [nextPage, setNextPage] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | null = null) => {
      try {
        const { apiKeys } = await management.query<{ apiKeys: PageOf<ApiKeyItem> }>(API_KEYS, { organisationId: organisation.id, after });
        setKeys((shown) => (after && shown ? [...shown, ...apiKeys.nodes] : apiKeys.nodes));
        setNextPage(apiKeys.pageInfo.hasNextPage ? apiKeys.pageInfo.endCursor : null);
      } catch (error) {
        setOutcome({ tone: 'error', message: (error as Error).message });
      }
    },
    [management, organisation.id],
  );

  useEffect(() => {
    void load();
    // Keys minted or revoked anywhere (another tab, a script) show here at once.
    return management.subscribe<{ apiKeyChanged: { apiKey: ApiKeyItem } }>(API_KEY_CHANGED, { organisationId: organisation.id }, ({ apiKeyChanged }) =>
      setKeys((shown) => shown && upsert(shown, apiKeyChanged.apiKey)),
    );
  }, [load, management, organisation.id]);

  const mint = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const expires = data.get('expiresAt') as string;
    setSecret(null);
    const result = await management.mutate<{ secret: string; apiKey: ApiKeyItem }>(CREATE_API_KEY, 'createApiKey', {
      organisationId: organisation.id,
      name: data.get('name'),
      role: data.get('role'),
      expiresAt: expires ? new Date(`${expires}T00:00:00Z`).toISOString() : null,
    });
    setOutcome(result.value ? null : result.outcome);
    if (!result.value) return;
    setSecret({ name: result.value.apiKey.name, secret: result.value.secret });
    setKeys((shown) => shown && upsert(shown, result.value!.apiKey));
    form.reset();
  };

  const revoke = async (key: ApiKeyItem) => {
    const result = await management.mutate<ApiKeyItem>(REVOKE_API_KEY, 'revokeApiKey', { id: key.id });
    setRevoking(null);
    setOutcome(result.value ? { tone: 'info', message: `${key.name} is revoked: it is refused from now on.` } : result.outcome);
    if (result.value) setKeys((shown) => shown && upsert(shown, result.value!));
  };

  return (
    <section class="keys" aria-labelledby={`${base}-heading`}>
      <h3 id={`${base}-heading`}>API keys of {organisation.name}</h3>
      {keys === null ? (
        <p class="muted">Loading keys…</p>
      ) : keys.length === 0 ? (
        <p class="muted">No keys yet.</p>
      ) : (
        <ul class="key-list">
          {keys.map((key) => (
            <li key={key.id} class={key.revokedAt ? 'key key--revoked' : 'key'}>
              <span class="key-name">{key.name}</span> <span class="badge">{key.role}</span>
              <span class="muted key-meta">
                created <time dateTime={key.createdAt}>{formatDate(key.createdAt)}</time>
                {' · '}
                {key.lastUsedAt ? <>last used <time dateTime={key.lastUsedAt}>{formatDate(key.lastUsedAt)}</time></> : 'never used'}
                {key.expiresAt && <> · expires <time dateTime={key.expiresAt}>{formatDate(key.expiresAt)}</time></>}
                {key.revokedAt && <> · revoked <time dateTime={key.revokedAt}>{formatDate(key.revokedAt)}</time></>}
              </span>
              {!key.revokedAt && revoking !== key.id && (
                <button type="button" class="button button--quiet button--small" onClick={() => setRevoking(key.id)}>
                  Revoke<span class="visually-hidden"> {key.name}</span>
                </button>
              )}
              {revoking === key.id && (
                <span class="actions">
                  <span>Revoke {key.name}? Whatever uses it is refused at once.</span>
                  <button type="button" class="button button--danger button--small" onClick={() => void revoke(key)}>
                    Yes, revoke {key.name}
                  </button>
                  <button type="button" class="button button--quiet button--small" onClick={() => setRevoking(null)}>
                    Keep it
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {nextPage && (
        <button type="button" class="button button--quiet button--small" onClick={() => void load(nextPage)}>
          Show more keys
        </button>
      )}

      <form class="inline-form mint" aria-label={`Mint a key for ${organisation.name}`} onSubmit={(event) => void mint(event)}>
        <label>
          Key name
          <input name="name" type="text" required />
        </label>
        <label>
          Role
          <select name="role">
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires on (optional)
          <input name="expiresAt" type="date" />
        </label>
        <button type="submit" class="button">
          Mint key
        </button>
      </form>
      {secret && (
        <div class="secret" role="status">
          <p>
            The secret of <strong>{secret.name}</strong>, shown this once (only a hash is kept). Copy it now:
          </p>
          <output class="mono" aria-label={`Secret of ${secret.name}`}>
            {secret.secret}
          </output>
        </div>
      )}
      <p class={`outcome ${outcome?.tone === 'error' ? 'outcome--error' : ''}`} role="status">
        {outcome?.message}
      </p>
    </section>
  );
}
