/** Every value sealed by SECRET_KEY itself, named alike in both engines' schemas: table, its key column, the sealed column. */
export const SEALED_COLUMNS = [
  ['organisation_keys', 'organisation_id', 'wrapped_key'],
  ['grants', 'id', 'refresh_token_ciphertext'],
  ['jobs', 'id', 'access_token_ciphertext'],
  ['oauth_states', 'state_hash', 'code_verifier_ciphertext'],
  ['oauth_states', 'state_hash', 'pending_grant_ciphertext'],
] as const;

/**
 * The values of SEALED_COLUMNS, read and re-sealed together when SECRET_KEY changes. Each database
 * engine implements it its own way (db/sqlite, db/pg).
 */
export interface SealedSecrets {
  /**
   * In one transaction, replaces each sealed value by what `reseal` gives for it, leaving those
   * it gives undefined for; returns how many were replaced.
   */
  resealAll(reseal: (sealed: string) => string | undefined): Promise<number>;
}
