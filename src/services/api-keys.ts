import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { apiKeys, organisations, settings, type ApiKeyRow, type Role } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import { validName } from './names.ts';
import { createdAfter, decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';

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

export function createApiKeyService(db: Db, announce: Announcements) {
  const lastUseWritten = new Map<string, number>();
  // Only live keys are held; revoking one forgets it here before anything else.
  const knownKeys = new Map<string, ApiKeyRow>();
  let operatorKeyHash: string | undefined;

  function keyBySecretHash(hash: string): ApiKeyRow | undefined {
    const known = knownKeys.get(hash);
    if (known) return known;
    const key = db.select().from(apiKeys).where(eq(apiKeys.secretHash, hash)).get();
    if (key && !key.revokedAt) {
      if (knownKeys.size >= KNOWN_KEYS_HELD) knownKeys.delete(knownKeys.keys().next().value!);
      knownKeys.set(hash, key);
    }
    return key;
  }

  // Open subscriptions of a key end when its signal aborts.
  const revocations = new Map<string, AbortController>();
  const revokedListeners = new Set<(keyId: string) => void>();

  /** Closes what the key has open (subscriptions, sockets) and drops its cached answers. */
  function ended(keyId: string) {
    revocations.get(keyId)?.abort();
    revocations.delete(keyId);
    for (const listener of revokedListeners) listener(keyId);
  }

  function noteUse(key: ApiKeyRow, now: number) {
    if (now - (lastUseWritten.get(key.id) ?? key.lastUsedAt?.getTime() ?? 0) < LAST_USE_PRECISION_MS) return;
    lastUseWritten.set(key.id, now);
    db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, key.id)).run();
  }

  function ownKey(viewer: Viewer, keyId: string): ApiKeyRow {
    const key = db.select().from(apiKeys).where(eq(apiKeys.id, keyId)).get();
    if (!key || !canSeeOrganisation(viewer, key.organisationId)) throw new NotFoundError('ApiKey', keyId);
    return key;
  }

  return {
    /** Resolves a presented secret to its viewer, or null when it matches no live key. */
    authenticate(secret: string): Viewer | null {
      const hash = sha256(secret);
      operatorKeyHash ??= db.select().from(settings).where(eq(settings.key, OPERATOR_KEY_SETTING)).get()?.value;
      if (operatorKeyHash === hash) return { kind: 'operator' };
      const key = keyBySecretHash(hash);
      const now = Date.now();
      if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return null;
      noteUse(key, now);
      return memberViewer(key);
    },

    /** The viewer of a key known by its id (a signed link names it), or null when it is revoked or expired. */
    viewerOfKey(keyId: string): Viewer | null {
      const key = db.select().from(apiKeys).where(eq(apiKeys.id, keyId)).get();
      if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
      return memberViewer(key);
    },

    /**
     * Keeps the operator key's hash in step with ADMIN_API_KEY; without one, generates a key on
     * the first start and returns it so it can be shown once.
     */
    ensureOperatorKey(configured: string | undefined): string | undefined {
      operatorKeyHash = undefined;
      if (configured) {
        db.insert(settings)
          .values({ key: OPERATOR_KEY_SETTING, value: sha256(configured) })
          .onConflictDoUpdate({ target: settings.key, set: { value: sha256(configured) } })
          .run();
        return undefined;
      }
      const existing = db.select().from(settings).where(eq(settings.key, OPERATOR_KEY_SETTING)).get();
      if (existing) return undefined;
      const secret = `${KEY_PREFIX}${randomToken()}`;
      db.insert(settings).values({ key: OPERATOR_KEY_SETTING, value: sha256(secret) }).run();
      return secret;
    },

    create(viewer: Viewer, organisationId: string, role: Role, name: string, expiresAt?: Date | null): { key: ApiKeyRow; secret: string } {
      const organisation = db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId)).get();
      if (!organisation || !canSeeOrganisation(viewer, organisationId)) throw new NotFoundError('Organisation', organisationId);
      const trimmed = validName(name);
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw new InvalidInputError('expiresAt must be in the future', 'expiresAt');
      const secret = `${KEY_PREFIX}${randomToken()}`;
      const key = db
        .insert(apiKeys)
        .values({ id: randomUUID(), organisationId, role, name: trimmed, secretHash: sha256(secret), expiresAt: expiresAt ?? null })
        .returning()
        .get();
      announce.apiKeyChanged(key, 'CREATED');
      return { key, secret };
    },

    /** An organisation's keys, revoked ones included, oldest first. */
    page(viewer: Viewer, organisationId: string, request: PageRequest): Page<ApiKeyRow> {
      if (!canSeeOrganisation(viewer, organisationId)) throw new NotFoundError('Organisation', organisationId);
      const size = pageSize(request, DEFAULT_PAGE_SIZE);
      const after = request.after ? decodeCursor('apiKeys', request.after, ['number', 'string'] as const) : undefined;
      const rows = db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.organisationId, organisationId), createdAfter(apiKeys.createdAt, apiKeys.id, after)))
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
        .limit(size + 1)
        .all();
      return pageOf(rows, size, request, (key) => encodeCursor('apiKeys', key.createdAt.getTime(), key.id));
    },

    /** Refuses the key from now on and ends whatever it has open. */
    revoke(viewer: Viewer, keyId: string): ApiKeyRow {
      const key = ownKey(viewer, keyId);
      if (key.revokedAt) return key;
      const revoked = db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, keyId)).returning().get();
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
