import { and, asc, eq, gt, or } from 'drizzle-orm';
import { ORGANISATION_NAME_INDEX, type OrganisationStore } from '../organisation-store.ts';
import type { PgDb } from './client.ts';
import { sameName } from '../same-name.ts';
import { anyOf } from './any-of.ts';
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

    page: ({ organisationId, after, limit }) =>
      db
        .select()
        .from(organisations)
        .where(
          and(
            organisationId === undefined ? undefined : eq(organisations.id, organisationId),
            after
              ? or(gt(organisations.createdAt, after.createdAt), and(eq(organisations.createdAt, after.createdAt), gt(organisations.id, after.id)))
              : undefined,
          ),
        )
        .orderBy(asc(organisations.createdAt), asc(organisations.id))
        .limit(limit),

    byId: async (id) => (await db.select().from(organisations).where(eq(organisations.id, id)))[0],

    byIds: async (ids) => (ids.length === 0 ? [] : db.select().from(organisations).where(anyOf(organisations.id, ids))),

    holderOfName: async (name) =>
      (await db.select({ id: organisations.id }).from(organisations).where(sameName(organisations.name, name)).limit(1))[0]?.id,
  };
}
