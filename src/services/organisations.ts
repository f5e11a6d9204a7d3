import { randomUUID } from 'node:crypto';
import type { OrganisationRow } from '../../db/schema.ts';
import type { OrganisationStore } from '../../db/organisation-store.ts';
import { NameTakenError, NotFoundError } from '../errors.ts';
import type { Announcements } from './announcements.ts';
import { validName } from './names.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

const DEFAULT_PAGE_SIZE = 20;

export function createOrganisationService(store: OrganisationStore, announce: Announcements) {
  /** A valid name no other organisation has. */
  async function freeName(name: string, renaming?: string): Promise<string> {
    const valid = validName(name);
    const holder = await store.holderOfName(valid);
    if (holder && holder !== renaming) throw new NameTakenError('Organisation', valid);
    return valid;
  }

  return {
    /** The organisations the viewer may see, oldest first: its own, or a page of all for the operator. */
    async page(viewer: Viewer, request: PageRequest): Promise<Page<OrganisationRow>> {
      const size = pageSize(request, DEFAULT_PAGE_SIZE);
      const after = request.after ? decodeCursor('organisations', request.after, ['number', 'string'] as const) : undefined;
      const rows = await store.page({
        organisationId: viewer.kind === 'member' ? viewer.organisationId : undefined,
        after: after && { createdAt: new Date(after[0]), id: after[1] },
        limit: size + 1,
      });
      return pageOf(rows, size, request, (organisation) => encodeCursor('organisations', organisation.createdAt.getTime(), organisation.id));
    },

    async get(viewer: Viewer, id: string): Promise<OrganisationRow> {
      const organisation = canSeeOrganisation(viewer, id) ? await store.byId(id) : undefined;
      if (!organisation) throw new NotFoundError('Organisation', id);
      return organisation;
    },

    /** Batch load for the schema's loaders; rows the viewer may not see are left out. */
    byIds(viewer: Viewer, ids: readonly string[]): Promise<OrganisationRow[]> {
      return store.byIds(ids.filter((id) => canSeeOrganisation(viewer, id)));
    },

    async create(name: string): Promise<OrganisationRow> {
      const free = await freeName(name);
      const organisation = await store.create(randomUUID(), free);
      if ('refused' in organisation) throw new NameTakenError('Organisation', free);
      announce.organisationChanged(organisation, 'CREATED');
      return organisation;
    },

    async rename(viewer: Viewer, id: string, name: string): Promise<OrganisationRow> {
      const organisation = await this.get(viewer, id);
      const free = await freeName(name, organisation.id);
      const renamed = await store.rename(id, free);
      if (!renamed) throw new NotFoundError('Organisation', id);
      if ('refused' in renamed) throw new NameTakenError('Organisation', free);
      announce.organisationChanged(renamed, 'UPDATED');
      return renamed;
    },
  };
}

export type OrganisationService = ReturnType<typeof createOrganisationService>;
