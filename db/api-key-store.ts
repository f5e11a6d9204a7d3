import type { apiKeys, ApiKeyRow } from './schema.ts';

export type NewApiKey = typeof apiKeys.$inferInsert;

/**
 * Organisations' API keys as stored: found by the hash of their secret or by id, listed, revoked.
 * Each database engine implements them its own way (db/sqlite, db/pg).
 */
export interface ApiKeyStore {
  /** The key whose secret has this hash, revoked or not. */
  bySecretHash(secretHash: string): Promise<ApiKeyRow | undefined>;
  /** The key with this id, revoked or not. */
  byId(id: string): Promise<ApiKeyRow | undefined>;
  /** Whether the organisation a key would be made for exists. */
  organisationExists(organisationId: string): Promise<boolean>;
  /** Stores a new key and returns it as stored. */
  create(key: NewApiKey): Promise<ApiKeyRow>;
  /** An organisation's keys after the `[createdAt ms, id]` position, oldest first, at most `limit`. */
  page(organisationId: string, after: readonly [number, string] | undefined, limit: number): Promise<ApiKeyRow[]>;
  /** Marks the key revoked at `at`; undefined when it is gone. */
  revoke(id: string, at: Date): Promise<ApiKeyRow | undefined>;
  /** Notes when the key was last presented. */
  noteUse(id: string, at: Date): Promise<void>;
}
