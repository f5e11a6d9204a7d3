import type { OrganisationRow } from './schema.ts';

/**
 * Creating and deleting organisations. Each database engine implements them its own way
 * (db/sqlite, db/pg): on PostgreSQL an organisation's records live in partitions of their own,
 * made with it and dropped with it.
 */
export interface OrganisationStore {
  /** A new organisation, or a refusal when another has the name (letter case aside), even one made a moment ago. */
  create(id: string, name: string): Promise<OrganisationRow | { refused: 'NAME_TAKEN' }>;
  /** Renames it, unless another organisation has the name; undefined when it is gone. */
  rename(id: string, name: string): Promise<OrganisationRow | { refused: 'NAME_TAKEN' } | undefined>;
  /** Deletes the organisation and everything that cascades from it. */
  delete(id: string): Promise<void>;
}

/** The unique index of organisations' names (letter case aside), in both engines' schemas. */
export const ORGANISATION_NAME_INDEX = 'organisations_name';
