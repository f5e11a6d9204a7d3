/**
 * The service's own settings, a value per name (the operator key's hash, the installation's id).
 * Each database engine implements them its own way (db/sqlite, db/pg).
 */
export interface SettingsStore {
  /** The setting's value; undefined when it was never set. */
  get(name: string): Promise<string | undefined>;
  /** Sets it, replacing any value it had. */
  put(name: string, value: string): Promise<void>;
  /**
   * Sets it unless it has a value, and returns the value it keeps: `value`, or the one set first,
   * also when other processes set it at the same moment.
   */
  putIfAbsent(name: string, value: string): Promise<string>;
}
