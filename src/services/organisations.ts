import { randomUUID } from 'node:crypto';
import { and, asc, eq, getTableColumns, gt, inArray, or, sql } from 'drizzle-orm';
import { organisations, type OrganisationRow } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import type { OrganisationStore } from '../../db/organisation-store.ts';
import { columnRows } from '../../db/column-rows.ts';
import { NameTakenError, NotFoundError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import { sameName, validName } from './names.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

const DEFAULT_PAGE_SIZE = 20;

export function createOrganisationService(db: Db, store: OrganisationStore, announce: Announcements) {
  // The first page is read on every dashboard request: each shape (a key's own or all, after a
  // cursor or not) is prepared once, its values bound.
  const columns = getTableColumns(organisations);
  const pageStatements = new Map<string, (values: Record<string, unknown>) => OrganisationRow[]>();
  function pageStatement(member: boolean, after: boolean) {
    const shape = `${member}|${after}`;
    let statement = pageStatements.get(shape);
    if (!statement) {
      const createdAt = sql.placeholder('createdAt');
      const query = db
        .select(columns)
        .from(organisations)
        .where(
          and(
            member ? eq(organisations.id, sql.placeholder('organisationId')) : undefined,
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

  /** A valid name no other organisation has. */
  function freeName(name: string, renaming?: string): string {
    const valid = validName(name);
    const holder = db.select({ id: organisations.id }).from(organisations).where(sameName(organisations.name, valid)).get();
    if (holder && holder.id !== renaming) throw new NameTakenError('Organisation', valid);
    return valid;
  }

  return {
    /** The organisations the viewer may see, oldest first: its own, or a page of all for the operator. */
    page(viewer: Viewer, request: PageRequest): Page<OrganisationRow> {
      const size = pageSize(request, DEFAULT_PAGE_SIZE);
      const after = request.after ? decodeCursor('organisations', request.after, ['number', 'string'] as const) : undefined;
      const member = viewer.kind === 'member';
      const rows = pageStatement(member, after !== undefined)({
        organisationId: member ? viewer.organisationId : undefined,
        createdAt: after?.[0],
        id: after?.[1],
        limit: size + 1,
      });
      return pageOf(rows, size, request, (organisation) => encodeCursor('organisations', organisation.createdAt.getTime(), organisation.id));
    },

    get(viewer: Viewer, id: string): OrganisationRow {
      const organisation = canSeeOrganisation(viewer, id)
        ? db.select().from(organisations).where(eq(organisations.id, id)).get()
        : undefined;
      if (!organisation) throw new NotFoundError('Organisation', id);
      return organisation;
    },

    /** Batch load for the schema's loaders; rows the viewer may not see are left out. */
    byIds(viewer: Viewer, ids: readonly string[]): OrganisationRow[] {
      const visible = ids.filter((id) => canSeeOrganisation(viewer, id));
      if (visible.length === 0) return [];
      return db.select().from(organisations).where(inArray(organisations.id, visible)).all();
    },

    async create(name: string): Promise<OrganisationRow> {
      const free = freeName(name);
      const organisation = await store.create(randomUUID(), free);
      if ('refused' in organisation) throw new NameTakenError('Organisation', free);
      announce.organisationChanged(organisation, 'CREATED');
      return organisation;
    },

    async rename(viewer: Viewer, id: string, name: string): Promise<OrganisationRow> {
      const organisation = this.get(viewer, id);
      const free = freeName(name, organisation.id);
      const renamed = await store.rename(id, free);
      if (!renamed) throw new NotFoundError('Organisation', id);
      if ('refused' in renamed) throw new NameTakenError('Organisation', free);
      announce.organisationChanged(renamed, 'UPDATED');
      return renamed;
    },
  };
}

export type OrganisationService = ReturnType<typeof createOrganisationService>;
