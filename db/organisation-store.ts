import type { OrganisationRow } from './schema.ts';

/** Where a page of organisations starts and what it holds; `after` is the last row of the page before. */
export interface OrganisationPageQuery {
  /** Only this organisation (a member key sees its own alone). */
  organisationId?: string;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * Reading, creating and deleting organisations. Each database engine implements them its own way
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
  /** Organisations oldest first (then by id), from after a row of the page before. */
  page(query: OrganisationPageQuery): Promise<OrganisationRow[]>;
  byId(id: string): Promise<OrganisationRow | undefined>;
  /** The organisations of these ids, in one statement however many. */
  byIds(ids: readonly string[]): Promise<OrganisationRow[]>;
  /** The id of the organisation of this name (letter case aside), if one has it. */
  holderOfName(name: string): Promise<string | undefined>;
}

/** The unique index of organisations' names (letter case aside), in both engines' schemas. */
export const ORGANISATION_NAME_INDEX = 'organisations_name';
