import type { GrantRow, InstanceRow } from './schema.ts';

/**
 * What disconnecting and deleting instances and organisations read and write beside the
 * organisation store and pruning. Each database engine implements it its own way (db/sqlite, db/pg).
 */
export interface RemovalStore {
  /** Whether any of the instances has a job queued or running. */
  busy(instanceIds: string[]): Promise<boolean>;
  /** The instance's grants not yet revoked. */
  liveGrants(instanceId: string): Promise<GrantRow[]>;
  /** Revokes the instance's available tokens and leaves it NOT_CONNECTED without a grant, in one transaction; undefined when it is gone. */
  disconnect(instanceId: string): Promise<InstanceRow | undefined>;
  /** Deletes the instance and everything that cascades from it. */
  deleteInstance(instanceId: string): Promise<void>;
  instancesOf(organisationId: string): Promise<InstanceRow[]>;
  apiKeyIdsOf(organisationId: string): Promise<string[]>;
}
