import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { jobs, type JobKind, type JobRow } from '../../db/schema.ts';
import { encrypt } from '../crypto.ts';
import jsforce from 'jsforce';
import { InvalidInputError, SalesforceUnavailableError, TokenExpiredError } from '../errors.ts';
import { backupableObjects, type GlobalDescribe } from './backup.ts';
import { isGrantRejected, refreshSession, type ConnectedApp, type RefreshedSession } from '../salesforce/oauth.ts';
import type { Announcements } from './announcements.ts';
import type { createInstanceService } from './instances.ts';
import type { TokenService } from './tokens.ts';
import type { Viewer } from './viewer.ts';

export interface JobRequest {
  instanceId: string;
  kind: JobKind;
  objects: string[];
  parameters?: Record<string, unknown>;
}

interface Dependencies {
  db: Db;
  secretKey: Buffer;
  connectedApp: () => ConnectedApp;
  instances: ReturnType<typeof createInstanceService>;
  tokens: TokenService;
  announce: Announcements;
  /** Called once a job is queued, so a worker can pick it up. */
  onQueued: (job: JobRow) => void;
}

/**
 * Starting a job uses one token: the job gets its own access token from Salesforce through a
 * refresh-token grant. A refused grant expires the instance's tokens; other failures give the
 * token back.
 */
export function createJobStarter({ db, secretKey, connectedApp, instances, tokens, announce, onQueued }: Dependencies) {
  return {
    async start(viewer: Viewer, request: JobRequest): Promise<JobRow> {
      const instance = instances.get(viewer, request.instanceId);
      const jobId = randomUUID();
      const reservation = tokens.reserve(instance.id, jobId);
      if (reservation.exhausted) announce.tokensExhausted(reservation.instance, 'LIMIT_REACHED');
      else announce.instanceChanged(reservation.instance);

      let session: RefreshedSession;
      try {
        session = await refreshSession(connectedApp(), instance.loginUrl, tokens.refreshTokenOf(reservation.grant));
      } catch (error) {
        if (isGrantRejected(error)) {
          const rejection = tokens.reject(reservation.grant.id, reservation.token.id);
          if (rejection.exhaustedNow) announce.tokensExhausted(rejection.instance, 'REVOKED_BY_SALESFORCE');
          throw new TokenExpiredError(instance.id, instance.tokenLimit, tokens.usedOnCurrentGrant(rejection.instance), 'REVOKED_BY_SALESFORCE');
        }
        announce.instanceChanged(tokens.release(reservation));
        throw new SalesforceUnavailableError(`Salesforce could not start a session: ${(error as Error).message}`);
      }
      if (session.refreshToken) tokens.rotate(reservation.grant.id, session.refreshToken);

      if (request.kind === 'BACKUP' && request.objects.length > 0) {
        const unknown = await unknownBackupObjects(session, connectedApp().apiVersion, request.objects).catch((error: Error) => {
          announce.instanceChanged(tokens.release(reservation));
          throw new SalesforceUnavailableError(`Salesforce could not list the org's objects: ${error.message}`);
        });
        if (unknown.length > 0) {
          announce.instanceChanged(tokens.release(reservation));
          throw new InvalidInputError(`Objects that cannot be backed up on this org: ${unknown.join(', ')}`, 'objects', unknown);
        }
      }

      const job = db
        .insert(jobs)
        .values({
          id: jobId,
          organisationId: instance.organisationId,
          instanceId: instance.id,
          kind: request.kind,
          objects: request.objects,
          parameters: request.parameters ?? {},
          grantId: reservation.grant.id,
          tokenId: reservation.token.id,
          accessTokenCiphertext: encrypt(secretKey, session.accessToken),
          queuedAt: new Date(),
        })
        .returning()
        .get();
      announce.jobChanged(job);
      onQueued(job);
      return job;
    },
  };
}

export type JobStarter = ReturnType<typeof createJobStarter>;

async function unknownBackupObjects(session: RefreshedSession, apiVersion: string, objects: string[]): Promise<string[]> {
  const connection = new jsforce.Connection({ instanceUrl: session.instanceUrl, accessToken: session.accessToken, version: apiVersion });
  const eligible = new Set(backupableObjects(await connection.request<GlobalDescribe>('/sobjects')));
  return objects.filter((name) => !eligible.has(name));
}
