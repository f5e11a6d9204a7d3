import type { YogaLogger } from 'graphql-yoga';
import type { InstanceStore } from '../../db/instance-store.ts';
import type { JobReads } from '../../db/job-reads.ts';
import { revokeToken, type ConnectedApp } from '../salesforce/oauth.ts';
import type { TokenService } from './tokens.ts';

/**
 * Revokes a superseded grant's refresh token at Salesforce once no queued or running job still
 * relies on it, so approvals (five per user) are not wasted.
 */
export function createGrantReleaser(instances: Pick<InstanceStore, 'byId'>, jobs: Pick<JobReads, 'activeOnGrant'>, tokens: TokenService, connectedApp: () => ConnectedApp, logger: YogaLogger) {
  return {
    async releaseIfIdle(grantId: string): Promise<void> {
      const grant = await tokens.grant(grantId);
      if (!grant || grant.revokedAt) return;
      const instance = await instances.byId(grant.instanceId);
      if (!instance || instance.currentGrantId === grantId) return;
      if (await jobs.activeOnGrant(grantId)) return;
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
