import { randomUUID } from 'node:crypto';
import type { Environment, InstanceRow } from '../../db/schema.ts';
import type { InstanceStore } from '../../db/instance-store.ts';
import type { Config } from '../config.ts';
import { InvalidInputError, NameTakenError, NotFoundError } from '../errors.ts';
import { LoginUrlError, normaliseLoginUrl } from '../salesforce/hosts.ts';
import type { Announcements } from './announcements.ts';
import { validName } from './names.ts';
import { canSeeOrganisation, type Viewer, type ViewerRead } from './viewer.ts';

function validLoginUrl(value: string): string {
  try {
    return normaliseLoginUrl(value);
  } catch (error) {
    if (error instanceof LoginUrlError) throw new InvalidInputError(error.message, 'loginUrl', [value]);
    throw error;
  }
}

/** Keeps `Organisation.instances`, an unpaged list, small. */
export const MAX_INSTANCES_PER_ORGANISATION = 50;

export function createInstanceService(store: InstanceStore, announce: Announcements, config: { tokenLimit: number; salesforce: Pick<Config['salesforce'], 'loginUrls'> }) {
  /** A valid name no other instance of the organisation has. */
  async function freeName(organisationId: string, name: string, renaming?: string): Promise<string> {
    const valid = validName(name);
    const holder = await store.holderOfName(organisationId, valid);
    if (holder && holder !== renaming) throw new NameTakenError('Instance', valid);
    return valid;
  }

  return {
    async get(viewer: Viewer, id: string): Promise<InstanceRow> {
      const instance = await store.byId(id);
      if (!instance || !canSeeOrganisation(viewer, instance.organisationId)) throw new NotFoundError('Instance', id);
      return instance;
    },

    async byIds(viewer: Viewer, ids: readonly string[]): Promise<InstanceRow[]> {
      return (await store.byIds(ids)).filter((row) => canSeeOrganisation(viewer, row.organisationId));
    },

    /**
     * Instances read by many callers at once (the executions of one event, an organisation's
     * each) in one statement: each read gets its row when its viewer may see it.
     */
    async forEachViewer(reads: readonly ViewerRead[]): Promise<(InstanceRow | undefined)[]> {
      const rows = new Map((await store.byIds([...new Set(reads.map((read) => read.id))])).map((row) => [row.id, row]));
      return reads.map(({ viewer, id }) => {
        const row = rows.get(id);
        return row && canSeeOrganisation(viewer, row.organisationId) ? row : undefined;
      });
    },

    byOrganisationIds(viewer: Viewer, organisationIds: readonly string[]): Promise<InstanceRow[]> {
      return store.ofOrganisations(organisationIds.filter((id) => canSeeOrganisation(viewer, id)));
    },

    /**
     * Registers an org. `loginUrl` is the org's own login host (My Domain) when its users may not
     * log in through the environment's default one.
     */
    async add(viewer: Viewer, organisationId: string, environment: Environment, name: string, loginUrl?: string | null): Promise<InstanceRow> {
      if (!canSeeOrganisation(viewer, organisationId)) throw new NotFoundError('Organisation', organisationId);
      const free = await freeName(organisationId, name);
      const added = await store.add(
        {
          id: randomUUID(),
          organisationId,
          environment,
          name: free,
          loginUrl: loginUrl ? validLoginUrl(loginUrl) : config.salesforce.loginUrls[environment],
          tokenLimit: config.tokenLimit,
        },
        MAX_INSTANCES_PER_ORGANISATION,
      );
      if ('refused' in added) {
        if (added.refused === 'NO_ORGANISATION') throw new NotFoundError('Organisation', organisationId);
        if (added.refused === 'LIMIT_REACHED') throw new InvalidInputError(`An organisation may have at most ${MAX_INSTANCES_PER_ORGANISATION} instances`, 'organisationId');
        throw new NameTakenError('Instance', free);
      }
      announce.instanceChanged(added);
      return added;
    },

    /** Renames an instance or changes its login host (null: back to the environment's default). */
    async update(viewer: Viewer, id: string, changes: { name?: string | null; loginUrl?: string | null }): Promise<InstanceRow> {
      const instance = await this.get(viewer, id);
      const values: Partial<Pick<InstanceRow, 'name' | 'loginUrl'>> = {};
      if (changes.name != null) values.name = await freeName(instance.organisationId, changes.name, instance.id);
      if (changes.loginUrl !== undefined) {
        values.loginUrl = changes.loginUrl === null ? config.salesforce.loginUrls[instance.environment] : validLoginUrl(changes.loginUrl);
      }
      if (Object.keys(values).length === 0) return instance;
      const updated = await store.update(id, values);
      if (!updated) throw new NotFoundError('Instance', id);
      if ('refused' in updated) throw new NameTakenError('Instance', values.name ?? instance.name);
      announce.instanceChanged(updated);
      return updated;
    },
  };
}

export type InstanceService = ReturnType<typeof createInstanceService>;
