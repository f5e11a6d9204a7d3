import { eq } from 'drizzle-orm';
import { ORGANISATION_NAME_INDEX, type OrganisationStore } from '../organisation-store.ts';
import type { PgDb } from './client.ts';
import { isUniqueViolation } from './errors.ts';
import { createOrganisationPartitions, dropOrganisationPartitions } from './partitions.ts';
import { organisations } from './schema.ts';

/**
 * Organisations on PostgreSQL: each gets its partitions of the record tables in the transaction
 * that makes it, and deleting it drops them, which removes its records without reading them.
 */
export function postgresOrganisationStore(db: PgDb): OrganisationStore {
  return {
    async create(id, name) {
      try {
        return await db.transaction(async (tx) => {
          const [organisation] = await tx.insert(organisations).values({ id, name }).returning();
          await createOrganisationPartitions(tx, id);
          return organisation;
        });
      } catch (error) {
        if (isUniqueViolation(error, ORGANISATION_NAME_INDEX)) return { refused: 'NAME_TAKEN' };
        throw error;
      }
    },

    async rename(id, name) {
      try {
        return (await db.update(organisations).set({ name }).where(eq(organisations.id, id)).returning())[0];
      } catch (error) {
        if (isUniqueViolation(error, ORGANISATION_NAME_INDEX)) return { refused: 'NAME_TAKEN' };
        throw error;
      }
    },

    delete: (id) =>
      db.transaction(async (tx) => {
        await dropOrganisationPartitions(tx, id);
        await tx.delete(organisations).where(eq(organisations.id, id));
      }),
  };
}
