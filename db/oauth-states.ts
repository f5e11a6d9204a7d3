import type { OAuthStateRow } from './schema.ts';

export type NewOAuthState = Pick<OAuthStateRow, 'stateHash' | 'instanceId' | 'organisationId' | 'codeVerifierCiphertext' | 'expiresAt'>;

/**
 * The logins under way (OAuth web-server flow), each state kept by its hash. Each database engine
 * implements them its own way (db/sqlite, db/pg).
 */
export interface OAuthStates {
  add(state: NewOAuthState): Promise<void>;
  byHash(stateHash: string): Promise<OAuthStateRow | undefined>;
  /** Marks the state used unless it already is or has expired; true only for the call that did, whatever the number of processes. */
  consume(stateHash: string, now: Date): Promise<boolean>;
  /** Keeps the grant a preview exchanged, sealed, with the code it came from. */
  keepPreview(stateHash: string, pendingGrantCiphertext: string, codeHash: string): Promise<void>;
}
