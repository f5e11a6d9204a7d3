import { asc, eq, inArray, and } from 'drizzle-orm';
import { instances, tokens, type TokenRow } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { canSeeOrganisation, type Viewer } from './viewer.ts';

export function createTokenService(db: Db) {
  return {
    /** The tokens of each instance's current grant, in the order they are used. */
    currentByInstanceIds(instanceIds: readonly string[]): TokenRow[] {
      return db
        .select({ token: tokens })
        .from(tokens)
        .innerJoin(instances, and(eq(instances.id, tokens.instanceId), eq(instances.currentGrantId, tokens.grantId)))
        .where(inArray(tokens.instanceId, [...instanceIds]))
        .orderBy(asc(tokens.position))
        .all()
        .map((row) => row.token);
    },

    byIds(viewer: Viewer, ids: readonly string[]): TokenRow[] {
      return db
        .select({ token: tokens, organisationId: instances.organisationId })
        .from(tokens)
        .innerJoin(instances, eq(instances.id, tokens.instanceId))
        .where(inArray(tokens.id, [...ids]))
        .all()
        .filter((row) => canSeeOrganisation(viewer, row.organisationId))
        .map((row) => row.token);
    },
  };
}
