import { and, asc, eq, getTableColumns, gt, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sameName } from '../same-name.ts';
import { columnRows } from '../column-rows.ts';
import { inList } from '../in-list.ts';
import { ORGANISATION_NAME_INDEX, type OrganisationPageQuery, type OrganisationStore } from '../organisation-store.ts';
import { organisations, type OrganisationRow } from '../schema.ts';
import { isUniqueViolation } from './errors.ts';
import { promised } from './promised.ts';

/** Organisations on SQLite: their records share the file's tables. */
export function sqliteOrganisationStore(db: Db): OrganisationStore {
  // The first page is read on every dashboard request: each shape (one organisation or all, after a
  // cursor or not) is prepared once, its values bound.
  const columns = getTableColumns(organisations);
  const pageStatements = new Map<string, (values: Record<string, unknown>) => OrganisationRow[]>();
  function pageStatement(one: boolean, after: boolean) {
    const shape = `${one}|${after}`;
    let statement = pageStatements.get(shape);
    if (!statement) {
      const createdAt = sql.placeholder('createdAt');
      const query = db
        .select(columns)
        .from(organisations)
        .where(
          and(
            one ? eq(organisations.id, sql.placeholder('organisationId')) : undefined,
            after ? or(gt(organisations.createdAt, createdAt), and(eq(organisations.createdAt, createdAt), gt(organisations.id, sql.placeholder('id')))) : undefined,
          ),
        )
        .orderBy(asc(organisations.createdAt), asc(organisations.id))
        .limit(sql.placeholder('limit'))
        .prepare();
      pageStatements.set(shape, (statement = columnRows<OrganisationRow>(query, columns)));
    }
    return statement;
  }
  const page = ({ organisationId, after, limit }: OrganisationPageQuery) =>
    pageStatement(organisationId !== undefined, after !== undefined)({ organisationId, createdAt: after?.createdAt.getTime(), id: after?.id, limit });

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
  return {
    create: promised(create),
    rename: promised(rename),
    delete: promised(remove),
    page: promised(page),
    byId: promised((id: string) => db.select().from(organisations).where(eq(organisations.id, id)).get()),
    byIds: promised((ids: readonly string[]) => (ids.length === 0 ? [] : db.select().from(organisations).where(inList(organisations.id, ids)).all())),
    holderOfName: promised((name: string) => db.select({ id: organisations.id }).from(organisations).where(sameName(organisations.name, name)).get()?.id),
  };
}
