import type { instances, InstanceRow } from './schema.ts';

export type NewInstance = typeof instances.$inferInsert;

export type InstanceRefusal = { refused: 'NO_ORGANISATION' | 'LIMIT_REACHED' | 'NAME_TAKEN' };

/**
 * Reading, adding and changing instances, each change atomic whatever the number of API processes: an
 * organisation never goes past its limit of instances, and two of its instances never share a name
 * (letter case aside). Each database engine implements them its own way (db/sqlite, db/pg).
 */
export interface InstanceStore {
  /** Adds the instance unless its organisation is gone, already holds `limit` instances, or has one of its name. */
  add(instance: NewInstance, limit: number): Promise<InstanceRow | InstanceRefusal>;
  /** Renames it or changes its login host; undefined when it is gone. */
  update(id: string, changes: Partial<Pick<InstanceRow, 'name' | 'loginUrl'>>): Promise<InstanceRow | { refused: 'NAME_TAKEN' } | undefined>;
  /** Keeps the org's API usage as a job or a scheduled run last saw it; undefined when the instance is gone. */
  recordApiUsage(id: string, usage: { used: number; max: number }): Promise<InstanceRow | undefined>;
  /** The instance, whoever asks: callers authorise by other means (an OAuth state, a running job, a viewer check). */
  byId(id: string): Promise<InstanceRow | undefined>;
  /** The instances of these ids, in one statement however many. */
  byIds(ids: readonly string[]): Promise<InstanceRow[]>;
  /** The instances of these organisations, oldest first, in one statement. */
  ofOrganisations(organisationIds: readonly string[]): Promise<InstanceRow[]>;
  /** The id of the organisation's instance of this name (letter case aside), if one has it. */
  holderOfName(organisationId: string, name: string): Promise<string | undefined>;
}

/** The unique index of instances' names within an organisation (letter case aside), in both engines' schemas. */
export const INSTANCE_NAME_INDEX = 'instances_organisation_name';
