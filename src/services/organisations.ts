import { randomUUID } from 'node:crypto';
import { asc, eq, inArray } from 'drizzle-orm';
import { organisations, type OrganisationRow } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { NotFoundError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import { validName } from './names.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

export function createOrganisationService(db: Db, announce: Announcements) {
  return {
    list(viewer: Viewer): OrganisationRow[] {
      const query = db.select().from(organisations);
      if (viewer.kind === 'member') return query.where(eq(organisations.id, viewer.organisationId)).all();
      return query.orderBy(asc(organisations.createdAt), asc(organisations.id)).all();
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

    create(name: string): OrganisationRow {
      const organisation = db.insert(organisations).values({ id: randomUUID(), name: validName(name) }).returning().get();
      announce.organisationCreated(organisation);
      return organisation;
    },
  };
}
