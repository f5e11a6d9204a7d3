/**
 * Per-organisation data keys as stored, wrapped by SECRET_KEY (services/data-keys.ts wraps and
 * unwraps them). Each database engine implements it its own way (db/sqlite, db/pg).
 */
export interface DataKeyStore {
  /**
   * The organisation's wrapped data key; when it has none, the one `made` gives is stored first.
   * Processes making one at once all get the key stored first.
   */
  wrappedKeyOf(organisationId: string, made: () => string): Promise<string>;
  /** Re-wraps every stored key in one transaction (`rewrapped` gives undefined to leave one as it is); returns how many changed. */
  rewrap(rewrapped: (wrappedKey: string) => string | undefined): Promise<number>;
}
