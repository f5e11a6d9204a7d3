import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { ORGANISATION_NAME_INDEX, type OrganisationStore } from '../organisation-store.ts';
import { organisations, type OrganisationRow } from '../schema.ts';
import { isUniqueViolation } from './errors.ts';
import { promised } from './promised.ts';

/** Organisations on SQLite: their records share the file's tables. */
export function sqliteOrganisationStore(db: Db): OrganisationStore {
  function create(id: string, name: string): OrganisationRow | { refused: 'NAME_TAKEN' } {
    try {
      return db.insert(organisations).values({ id, name }).returning().get();
    } catch (error) {
      if (isUniqueViolation(error, ORGANISATION_NAME_INDEX)) return { refused: 'NAME_TAKEN' };
      throw error;
    }
  }
  function rename(id: string, name: string): OrganisationRow | { refused: 'NAME_TAKEN' } | undefined {
    try {
      return db.update(organisations).set({ name }).where(eq(organisations.id, id)).returning().get();
    } catch (error) {
      if (isUniqueViolation(error, ORGANISATION_NAME_INDEX)) return { refused: 'NAME_TAKEN' };
      throw error;
    }
  }
  const remove = (id: string) => void db.delete(organisations).where(eq(organisations.id, id)).run();
  return { create: promised(create), rename: promised(rename), delete: promised(remove) };
}
