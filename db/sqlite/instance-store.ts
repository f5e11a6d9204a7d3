import { and, asc, count, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sameName } from '../same-name.ts';
import { columnRows } from '../column-rows.ts';
import { inListPlaceholder } from '../in-list.ts';
import { INSTANCE_NAME_INDEX, type InstanceStore, type NewInstance } from '../instance-store.ts';
import { instances, organisations, type InstanceRow } from '../schema.ts';
import { writeTransaction } from '../write-transaction.ts';
import { isUniqueViolation } from './errors.ts';
import { promised } from './promised.ts';

const NAME_TAKEN = { refused: 'NAME_TAKEN' } as const;

/** Instances on SQLite: the limit is counted inside the IMMEDIATE transaction that adds. */
export function sqliteInstanceStore(db: Db): InstanceStore {
  // Read for every instance a dashboard shows and every instance event a subscription executes: prepared once.
  const columns = getTableColumns(instances);
  const instancesByIds = columnRows<InstanceRow>(
    db.select(columns).from(instances).where(inListPlaceholder(instances.id, sql.placeholder('ids'))).prepare(),
    columns,
  );
  const instancesOfOrganisations = columnRows<InstanceRow>(
    db
      .select(columns)
      .from(instances)
      .where(inListPlaceholder(instances.organisationId, sql.placeholder('organisationIds')))
      .orderBy(asc(instances.createdAt), asc(instances.id))
      .prepare(),
    columns,
  );

  function add(instance: NewInstance, limit: number) {
    try {
      return writeTransaction(db, (tx) => {
        if (!tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, instance.organisationId)).get()) return { refused: 'NO_ORGANISATION' as const };
        const { held } = tx.select({ held: count() }).from(instances).where(eq(instances.organisationId, instance.organisationId)).get()!;
        if (held >= limit) return { refused: 'LIMIT_REACHED' as const };
        return tx.insert(instances).values(instance).returning().get();
      });
    } catch (error) {
      if (isUniqueViolation(error, INSTANCE_NAME_INDEX)) return NAME_TAKEN;
      throw error;
    }
  }

  function update(id: string, changes: Partial<Pick<InstanceRow, 'name' | 'loginUrl'>>) {
    try {
      return db.update(instances).set(changes).where(eq(instances.id, id)).returning().get();
    } catch (error) {
      if (isUniqueViolation(error, INSTANCE_NAME_INDEX)) return NAME_TAKEN;
      throw error;
    }
  }

  const recordApiUsage = (id: string, usage: { used: number; max: number }) =>
    db.update(instances).set({ apiUsageUsed: usage.used, apiUsageMax: usage.max }).where(eq(instances.id, id)).returning().get();

  return {
    add: promised(add),
    update: promised(update),
    recordApiUsage: promised(recordApiUsage),
    byId: promised((id: string) => db.select().from(instances).where(eq(instances.id, id)).get()),
    byIds: promised((ids: readonly string[]) => instancesByIds({ ids: JSON.stringify(ids) })),
    ofOrganisations: promised((organisationIds: readonly string[]) => instancesOfOrganisations({ organisationIds: JSON.stringify(organisationIds) })),
    holderOfName: promised(
      (organisationId: string, name: string) =>
        db
          .select({ id: instances.id })
          .from(instances)
          .where(and(eq(instances.organisationId, organisationId), sameName(instances.name, name)))
          .get()?.id,
    ),
  };
}
