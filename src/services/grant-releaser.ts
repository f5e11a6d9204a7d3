import { and, eq, inArray } from 'drizzle-orm';
import type { YogaLogger } from 'graphql-yoga';
import type { Db } from '../../db/client.ts';
import { jobs } from '../../db/schema.ts';
import { revokeToken, type ConnectedApp } from '../salesforce/oauth.ts';
import { instanceById } from './instances.ts';
import type { TokenService } from './tokens.ts';

/**
 * Revokes a superseded grant's refresh token at Salesforce once no queued or running job still
 * relies on it, so approvals (five per user) are not wasted.
 */
export function createGrantReleaser(db: Db, tokens: TokenService, connectedApp: () => ConnectedApp, logger: YogaLogger) {
  return {
    async releaseIfIdle(grantId: string): Promise<void> {
      const grant = tokens.grant(grantId);
      if (!grant || grant.revokedAt) return;
      const instance = instanceById(db, grant.instanceId);
      if (!instance || instance.currentGrantId === grantId) return;
      const busy = db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.grantId, grantId), inArray(jobs.status, ['QUEUED', 'RUNNING'])))
        .get();
      if (busy) return;
      if (!(await tokens.markRevoked(grantId))) return;
      try {
        await revokeToken(connectedApp(), instance.loginUrl, tokens.refreshTokenOf(grant));
      } catch (error) {
        logger.warn(`Could not revoke a superseded Salesforce grant of instance ${instance.id}: ${(error as Error).message}`);
      }
    },
  };
}

export type GrantReleaser = ReturnType<typeof createGrantReleaser>;
