import { randomUUID } from 'node:crypto';
import type { JobClaims } from '../../db/job-claims.ts';
import type { GrantRow, InstanceRow, JobParameters, JobRow } from '../../db/schema.ts';
import { encrypt } from '../crypto.ts';
import { InstanceNotConnectedError, InvalidInputError, SalesforceUnavailableError, TokenExpiredError } from '../errors.ts';
import { describeGlobalWith } from '../salesforce/describe.ts';
import { backupableObjects } from './backup.ts';
import { isGrantRejected } from '../salesforce/errors.ts';
import { refreshSession, type ConnectedApp, type RefreshedSession } from '../salesforce/oauth.ts';
import type { Announcements } from './announcements.ts';
import type { InstanceService } from './instances.ts';
import type { TokenReservation, TokenService } from './tokens.ts';
import type { Viewer } from './viewer.ts';

export interface JobRequest {
  instanceId: string;
  objects: string[];
  parameters: JobParameters;
  /** The snapshot a restore reads. */
  snapshotId?: string;
  /** False for a job that writes nothing (a dry run): it runs on the current grant without using a token. */
  spendsToken?: boolean;
}

interface Dependencies {
  claims: Pick<JobClaims, 'enqueue'>;
  secretKey: Buffer;
  connectedApp: () => ConnectedApp;
  instances: InstanceService;
  tokens: TokenService;
  announce: Announcements;
  /** Called once a job is queued, so a worker can pick it up. */
  onQueued: (job: JobRow) => void;
  /** Tokens left at which `tokensLow` is announced. */
  tokenWarningAt: number;
}

/**
 * Starting a job uses one token: the job gets its own access token from Salesforce through a
 * refresh-token grant. A refused grant expires the instance's tokens; other failures give the
 * token back.
 */
export function createJobStarter({ claims, secretKey, connectedApp, instances, tokens, announce, onQueued, tokenWarningAt }: Dependencies) {
  /**
   * Checks the objects against the org's describeGlobal with a session of the current grant; a
   * refresh is no job start, so it uses no token. When the grant cannot give a session the check
   * is left to the usual start, which then does the token bookkeeping of a refused grant.
   */
  async function requireBackupObjects(instance: InstanceRow, objects: string[]) {
    const grant = instance.status === 'CONNECTED' && instance.currentGrantId ? await tokens.grant(instance.currentGrantId) : undefined;
    if (!grant) return undefined;
    let session: RefreshedSession;
    try {
      session = await refreshSession(connectedApp(), instance.loginUrl, tokens.refreshTokenOf(grant));
    } catch {
      return undefined;
    }
    if (session.refreshToken) await tokens.rotate(grant.id, session.refreshToken);
    const unknown = await unknownBackupObjects(session, connectedApp().apiVersion, objects).catch((error: Error) => {
      throw new SalesforceUnavailableError(`Salesforce could not list the org's objects: ${error.message}`);
    });
    if (unknown.length > 0) {
      throw new InvalidInputError(`Objects that cannot be backed up on this org: ${unknown.join(', ')}`, 'objects', unknown);
    }
    return { grantId: grant.id, session };
  }

  return {
    async start(viewer: Viewer, request: JobRequest): Promise<JobRow> {
      const instance = await instances.get(viewer, request.instanceId);
      // Bad input is refused before a token is reserved, so it changes and announces nothing.
      const validated = request.parameters.kind === 'BACKUP' && request.objects.length > 0 ? await requireBackupObjects(instance, request.objects) : undefined;
      const jobId = randomUUID();
      let reservation: TokenReservation | undefined;
      let grant: GrantRow;
      if (request.spendsToken === false) {
        const current = instance.currentGrantId ? await tokens.grant(instance.currentGrantId) : undefined;
        if (!current || current.revokedAt) throw new InstanceNotConnectedError(instance.id);
        grant = current;
      } else {
        reservation = await tokens.reserve(instance.id, jobId);
        if (reservation.exhausted) announce.tokensExhausted(reservation.instance, 'LIMIT_REACHED');
        else announce.instanceChanged(reservation.instance);
        if (reservation.remaining > 0 && reservation.remaining <= tokenWarningAt && (await tokens.flagTokensLow(reservation.grant.id))) {
          announce.tokensLow(reservation.instance, reservation.remaining);
        }
        grant = reservation.grant;
      }

      let session: RefreshedSession;
      if (validated?.grantId === grant.id) session = validated.session;
      else {
        try {
          session = await refreshSession(connectedApp(), instance.loginUrl, tokens.refreshTokenOf(grant));
        } catch (error) {
          if (isGrantRejected(error)) {
            const rejection = await tokens.reject(grant.id, reservation?.token.id);
            if (rejection.exhaustedNow) announce.tokensExhausted(rejection.instance, 'REVOKED_BY_SALESFORCE');
            throw new TokenExpiredError(instance.id, instance.tokenLimit, await tokens.usedOnCurrentGrant(rejection.instance), 'REVOKED_BY_SALESFORCE');
          }
          if (reservation) announce.instanceChanged(await tokens.release(reservation));
          throw new SalesforceUnavailableError(`Salesforce could not start a session: ${(error as Error).message}`);
        }
        if (session.refreshToken) await tokens.rotate(grant.id, session.refreshToken);
      }

      return queue(instance, grant, session, request, { jobId, tokenId: reservation?.token.id ?? null });
    },

    /** Queues a job on a session already opened on the grant (a scheduled backup's, which spends no token). */
    queue: (instance: InstanceRow, grant: GrantRow, session: RefreshedSession, request: JobRequest) =>
      queue(instance, grant, session, request, { jobId: randomUUID(), tokenId: null }),
  };

  async function queue(instance: InstanceRow, grant: GrantRow, session: RefreshedSession, request: JobRequest, ids: { jobId: string; tokenId: string | null }): Promise<JobRow> {
    const job = await claims.enqueue({
      id: ids.jobId,
      organisationId: instance.organisationId,
      instanceId: instance.id,
      kind: request.parameters.kind,
      objects: request.objects,
      parameters: request.parameters,
      snapshotId: request.snapshotId,
      grantId: grant.id,
      tokenId: ids.tokenId,
      accessTokenCiphertext: encrypt(secretKey, session.accessToken),
      queuedAt: new Date(),
    });
    announce.jobChanged(job);
    onQueued(job);
    return job;
  }
}

export type JobStarter = ReturnType<typeof createJobStarter>;

async function unknownBackupObjects(session: RefreshedSession, apiVersion: string, objects: string[]): Promise<string[]> {
  const eligible = new Set(backupableObjects(await describeGlobalWith({ ...session, apiVersion })));
  return objects.filter((name) => !eligible.has(name));
}
