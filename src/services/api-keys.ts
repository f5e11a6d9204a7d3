import { randomUUID } from 'node:crypto';
import type { ApiKeyStore } from '../../db/api-key-store.ts';
import type { ApiKeyRow, Role } from '../../db/schema.ts';
import type { SettingsStore } from '../../db/settings-store.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import { validName } from './names.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';

const OPERATOR_KEY_SETTING = 'operator_key_hash';
const KEY_PREFIX = 'sfb_';
// Last use is a hint for people, not an audit trail: one write a minute per key at most.
const LAST_USE_PRECISION_MS = 60_000;
// Keys recently presented, by the hash of their secret, so a request costs no statement.
const KNOWN_KEYS_HELD = 10_000;
const DEFAULT_PAGE_SIZE = 20;

const memberViewer = (key: ApiKeyRow): Viewer => ({
  kind: 'member',
  organisationId: key.organisationId,
  role: key.role,
  keyId: key.id,
  keyName: key.name,
  expiresAt: key.expiresAt,
});

export function createApiKeyService(store: ApiKeyStore, settings: SettingsStore, announce: Announcements) {
  const lastUseWritten = new Map<string, number>();
  // Only live keys are held; revoking one forgets it here before anything else.
  const knownKeys = new Map<string, ApiKeyRow>();
  let operatorKeyHash: string | undefined;
  // Counts the times keys were forgotten: a lookup that began before one may hold a revoked key's old row.
  let forgettings = 0;

  /** Only a key not presented lately is looked up: a request with a known key costs no statement. */
  function keyBySecretHash(hash: string): ApiKeyRow | Promise<ApiKeyRow | undefined> {
    const known = knownKeys.get(hash);
    if (known) return known;
    const begun = forgettings;
    return store.bySecretHash(hash).then((key) => {
      if (begun === forgettings) remember(key);
      return key;
    });
  }

  function remember(key: ApiKeyRow | undefined) {
    if (key && !key.revokedAt) {
      if (knownKeys.size >= KNOWN_KEYS_HELD) knownKeys.delete(knownKeys.keys().next().value!);
      knownKeys.set(key.secretHash, key);
    }
  }

  // Open subscriptions of a key end when its signal aborts.
  const revocations = new Map<string, AbortController>();
  const revokedListeners = new Set<(keyId: string) => void>();

  /** Closes what the key has open (subscriptions, sockets) and drops its cached answers. */
  function ended(keyId: string) {
    forgettings += 1;
    revocations.get(keyId)?.abort();
    revocations.delete(keyId);
    for (const listener of revokedListeners) listener(keyId);
  }

  async function noteUse(key: ApiKeyRow, now: number) {
    if (now - (lastUseWritten.get(key.id) ?? key.lastUsedAt?.getTime() ?? 0) < LAST_USE_PRECISION_MS) return;
    lastUseWritten.set(key.id, now);
    await store.noteUse(key.id, new Date(now));
  }

  async function ownKey(viewer: Viewer, keyId: string): Promise<ApiKeyRow> {
    const key = await store.byId(keyId);
    if (!key || !canSeeOrganisation(viewer, key.organisationId)) throw new NotFoundError('ApiKey', keyId);
    return key;
  }

  return {
    /** Resolves a presented secret to its viewer, or null when it matches no live key. */
    async authenticate(secret: string): Promise<Viewer | null> {
      const hash = sha256(secret);
      operatorKeyHash ??= await settings.get(OPERATOR_KEY_SETTING);
      if (operatorKeyHash === hash) return { kind: 'operator' };
      const key = await keyBySecretHash(hash);
      const now = Date.now();
      if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return null;
      await noteUse(key, now);
      return memberViewer(key);
    },

    /** The viewer of a key known by its id (a signed link names it), or null when it is revoked or expired. */
    async viewerOfKey(keyId: string): Promise<Viewer | null> {
      const key = await store.byId(keyId);
      if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
      return memberViewer(key);
    },

    /**
     * Keeps the operator key's hash in step with ADMIN_API_KEY; without one, generates a key on
     * the first start and returns it so it can be shown once.
     */
    async ensureOperatorKey(configured: string | undefined): Promise<string | undefined> {
      operatorKeyHash = undefined;
      if (configured) {
        await settings.put(OPERATOR_KEY_SETTING, sha256(configured));
        return undefined;
      }
      // Processes starting at once on a new database keep one key: only the one that set it shows it.
      const secret = `${KEY_PREFIX}${randomToken()}`;
      const kept = await settings.putIfAbsent(OPERATOR_KEY_SETTING, sha256(secret));
      return kept === sha256(secret) ? secret : undefined;
    },

    async create(viewer: Viewer, organisationId: string, role: Role, name: string, expiresAt?: Date | null): Promise<{ key: ApiKeyRow; secret: string }> {
      if (!canSeeOrganisation(viewer, organisationId) || !(await store.organisationExists(organisationId))) throw new NotFoundError('Organisation', organisationId);
      const trimmed = validName(name);
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw new InvalidInputError('expiresAt must be in the future', 'expiresAt');
      const secret = `${KEY_PREFIX}${randomToken()}`;
      const key = await store.create({ id: randomUUID(), organisationId, role, name: trimmed, secretHash: sha256(secret), expiresAt: expiresAt ?? null });
      announce.apiKeyChanged(key, 'CREATED');
      return { key, secret };
    },

    /** An organisation's keys, revoked ones included, oldest first. */
    async page(viewer: Viewer, organisationId: string, request: PageRequest): Promise<Page<ApiKeyRow>> {
      if (!canSeeOrganisation(viewer, organisationId)) throw new NotFoundError('Organisation', organisationId);
      const size = pageSize(request, DEFAULT_PAGE_SIZE);
      const after = request.after ? decodeCursor('apiKeys', request.after, ['number', 'string'] as const) : undefined;
      const rows = await store.page(organisationId, after, size + 1);
      return pageOf(rows, size, request, (key) => encodeCursor('apiKeys', key.createdAt.getTime(), key.id));
    },

    /** Refuses the key from now on and ends whatever it has open. */
    async revoke(viewer: Viewer, keyId: string): Promise<ApiKeyRow> {
      const key = await ownKey(viewer, keyId);
      if (key.revokedAt) return key;
      const revoked = await store.revoke(keyId, new Date());
      if (!revoked) throw new NotFoundError('ApiKey', keyId);
      knownKeys.delete(key.secretHash);
      ended(keyId);
      announce.apiKeyChanged(revoked, 'UPDATED');
      return revoked;
    },

    /** A key revoked by another of the service's processes: this one forgets it and ends what it has open. */
    revokedElsewhere(key: ApiKeyRow): void {
      knownKeys.delete(key.secretHash);
      ended(key.id);
    },

    /** The keys of a deleted organisation stop working at once, as if revoked. */
    forgetOrganisation(organisationId: string, keyIds: string[]): void {
      forgettings += 1;
      for (const [hash, key] of knownKeys) if (key.organisationId === organisationId) knownKeys.delete(hash);
      for (const keyId of keyIds) ended(keyId);
    },

    /** Aborts when the key is revoked: its subscriptions end then. */
    revocationSignal(keyId: string): AbortSignal {
      let controller = revocations.get(keyId);
      if (!controller) revocations.set(keyId, (controller = new AbortController()));
      return controller.signal;
    },

    /** Called with the key's id as it is revoked (the server closes its sockets, drops its cached answers). */
    onRevoked(listener: (keyId: string) => void): void {
      revokedListeners.add(listener);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
