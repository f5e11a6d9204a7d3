import type { YogaLogger } from 'graphql-yoga';
import type { OrganisationStore } from '../../db/organisation-store.ts';
import type { RemovalStore } from '../../db/removal-store.ts';
import type { InstanceRow, OrganisationRow } from '../../db/schema.ts';
import { InvalidInputError, NotFoundError, SalesforceUnavailableError } from '../errors.ts';
import { revokeToken, type ConnectedApp } from '../salesforce/oauth.ts';
import type { Announcements } from './announcements.ts';
import type { ApiKeyService } from './api-keys.ts';
import type { InstanceService } from './instances.ts';
import type { OrganisationService } from './organisations.ts';
import type { StoredDataRemoval } from './stored-data.ts';
import type { TokenService } from './tokens.ts';
import type { Viewer } from './viewer.ts';

interface Dependencies {
  store: RemovalStore;
  organisationStore: OrganisationStore;
  organisations: OrganisationService;
  instances: InstanceService;
  tokens: TokenService;
  apiKeys: ApiKeyService;
  storedData: StoredDataRemoval;
  connectedApp: () => ConnectedApp;
  announce: Announcements;
  logger: YogaLogger;
}

/** Salesforce's OAuth refusals (`invalid_token`, `invalid_request`…): the token is dead already. */
const alreadyDead = (error: unknown) => /^(invalid|unsupported)_/.test((error as Error)?.name ?? '');

/** The name typed again, as a person confirms a deletion. */
function confirmed(expected: string, given: string, what: string): void {
  if (given.trim() !== expected) throw new InvalidInputError(`To delete ${what}, confirmName must be its name, "${expected}"`, 'confirmName');
}

/**
 * Disconnecting and deleting instances, and deleting organisations. Each first revokes the
 * instances' grants at Salesforce (`/services/oauth2/revoke`): when Salesforce cannot be reached,
 * nothing is changed and the caller is told to try again.
 */
export function createRemovals({ store, organisationStore, organisations: organisationService, instances: instanceService, tokens: tokenService, apiKeys: apiKeyService, storedData, connectedApp, announce, logger }: Dependencies) {
  async function refuseWhileBusy(instanceIds: string[], what: string): Promise<void> {
    if (await store.busy(instanceIds)) throw new InvalidInputError(`${what} has a job queued or running: cancel it or wait for it to end first`, 'id');
  }

  async function revokeGrantsOf(instance: InstanceRow): Promise<void> {
    for (const grant of await store.liveGrants(instance.id)) {
      try {
        await revokeToken(connectedApp(), instance.loginUrl, tokenService.refreshTokenOf(grant));
      } catch (error) {
        if (!alreadyDead(error)) {
          logger.warn(`Could not revoke a Salesforce grant of instance ${instance.id}: ${(error as Error).message}`);
          throw new SalesforceUnavailableError(`Salesforce could not be reached to revoke the access of ${instance.name}: nothing was removed. Try again.`);
        }
      }
      await tokenService.markRevoked(grant.id);
    }
  }

  return {
    /**
     * Revokes the instance's access at Salesforce: it stays, NOT_CONNECTED, until access is granted
     * again; its snapshots stay unless `deleteSnapshots`.
     */
    async disconnectInstance(viewer: Viewer, id: string, deleteSnapshots: boolean): Promise<InstanceRow> {
      const instance = await instanceService.get(viewer, id);
      await refuseWhileBusy([instance.id], instance.name);
      await revokeGrantsOf(instance);
      const disconnected = await store.disconnect(id);
      if (!disconnected) throw new NotFoundError('Instance', id);
      if (deleteSnapshots) {
        await storedData.deleteSnapshotsOf(id);
        await storedData.removeUnnamedFiles();
      }
      announce.instanceChanged(disconnected);
      return disconnected;
    },

    /** Revokes the instance's access at Salesforce and deletes it with its jobs and snapshots. */
    async deleteInstance(viewer: Viewer, id: string, confirmName: string): Promise<InstanceRow> {
      const instance = await instanceService.get(viewer, id);
      confirmed(instance.name, confirmName, 'the instance');
      await refuseWhileBusy([instance.id], instance.name);
      await revokeGrantsOf(instance);
      await storedData.deleteSnapshotsOf(id);
      await store.deleteInstance(id);
      await storedData.removeUnnamedFiles();
      announce.instanceRemoved(instance);
      return instance;
    },

    /**
     * Deletes an organisation and everything of it: its instances (access revoked at Salesforce
     * first), jobs, snapshots, record contents, files, keys and data key.
     */
    async deleteOrganisation(viewer: Viewer, id: string, confirmName: string): Promise<OrganisationRow> {
      const organisation = await organisationService.get(viewer, id);
      confirmed(organisation.name, confirmName, 'the organisation');
      const held = await store.instancesOf(id);
      await refuseWhileBusy(held.map((instance) => instance.id), organisation.name);
      for (const instance of held) await revokeGrantsOf(instance);
      const keyIds = await store.apiKeyIdsOf(id);
      for (const instance of held) await storedData.deleteSnapshotsOf(instance.id);
      await organisationStore.delete(id);
      apiKeyService.forgetOrganisation(id, keyIds);
      await storedData.removeUnnamedFiles();
      for (const instance of held) announce.instanceRemoved(instance);
      announce.organisationChanged(organisation, 'DELETED');
      return organisation;
    },
  };
}
