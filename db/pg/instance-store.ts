import { and, asc, count, eq } from 'drizzle-orm';
import { INSTANCE_NAME_INDEX, type InstanceStore } from '../instance-store.ts';
import type { PgDb } from './client.ts';
import { sameName } from '../same-name.ts';
import { isUniqueViolation } from './errors.ts';
import { anyOf } from './any-of.ts';
import { instances, organisations } from './schema.ts';

const NAME_TAKEN = { refused: 'NAME_TAKEN' } as const;

/**
 * Instances on PostgreSQL: adding one locks its organisation's row first, so two API processes
 * adding at once count one after the other and the limit holds.
 */
export function postgresInstanceStore(db: PgDb): InstanceStore {
  return {
    async add(instance, limit) {
      try {
        return await db.transaction(async (tx) => {
          const [organisation] = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, instance.organisationId)).for('update');
          if (!organisation) return { refused: 'NO_ORGANISATION' as const };
          const [{ held }] = await tx.select({ held: count() }).from(instances).where(eq(instances.organisationId, instance.organisationId));
          if (held >= limit) return { refused: 'LIMIT_REACHED' as const };
          return (await tx.insert(instances).values(instance).returning())[0];
        });
      } catch (error) {
        if (isUniqueViolation(error, INSTANCE_NAME_INDEX)) return NAME_TAKEN;
        throw error;
      }
    },

    async update(id, changes) {
      try {
        return (await db.update(instances).set(changes).where(eq(instances.id, id)).returning())[0];
      } catch (error) {
        if (isUniqueViolation(error, INSTANCE_NAME_INDEX)) return NAME_TAKEN;
        throw error;
      }
    },

    recordApiUsage: async (id, usage) =>
      (await db.update(instances).set({ apiUsageUsed: usage.used, apiUsageMax: usage.max }).where(eq(instances.id, id)).returning())[0],

    byId: async (id) => (await db.select().from(instances).where(eq(instances.id, id)))[0],

    byIds: (ids) => db.select().from(instances).where(anyOf(instances.id, ids)),

    ofOrganisations: (organisationIds) =>
      db.select().from(instances).where(anyOf(instances.organisationId, organisationIds)).orderBy(asc(instances.createdAt), asc(instances.id)),

    holderOfName: async (organisationId, name) =>
      (
        await db
          .select({ id: instances.id })
          .from(instances)
          .where(and(eq(instances.organisationId, organisationId), sameName(instances.name, name)))
          .limit(1)
      )[0]?.id,
  };
}
