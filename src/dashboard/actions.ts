import { ApiError, request } from './api.ts';
import { exhaustionText, type ExhaustionReason } from './format.ts';
import {
  ADD_INSTANCE,
  CANCEL_JOB,
  DELETE_INSTANCE,
  DISCONNECT_INSTANCE,
  RENAME_INSTANCE,
  START_BACKUP,
  START_REAUTHENTICATION,
  START_RESTORE,
} from './operations.ts';
import type { Action } from './store.ts';
import type { Environment, InstanceDetails, InstanceSummary, Job } from './types.ts';

/** What a card shows after one of its buttons: the API's own message, and whether to offer reauthentication. */
export interface Outcome {
  tone: 'info' | 'error';
  message: string;
  /** Where to go on once the person has read the message (a login that would evict another grant). */
  proceedUrl?: string;
  /** The job a notice is about: the notice goes once the job ends. */
  jobId?: string;
}

export interface Actions {
  reauthenticate(instanceId: string): Promise<Outcome | undefined>;
  backup(instanceId: string): Promise<Outcome>;
  restore(instanceId: string, snapshotId: string, objects: string[], overwrite: boolean): Promise<Outcome>;
  cancel(jobId: string): Promise<Outcome | undefined>;
  addInstance(organisationId: string, environment: Environment, name: string): Promise<Outcome>;
  renameInstance(instanceId: string, name: string): Promise<Outcome>;
  disconnectInstance(instanceId: string, deleteSnapshots: boolean): Promise<Outcome>;
  deleteInstance(instanceId: string, confirmName: string): Promise<Outcome>;
  /** Any other request with the page's key (the compare, alert and export views). */
  query<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
}

type Answer = { __typename: string; message?: string };
type MutationResult = (Job & { __typename: 'Job' }) | (Answer & { message: string; reason?: ExhaustionReason; instance?: { id: string } });

export const isUnauthenticated = (error: unknown) => error instanceof ApiError && error.code === 'UNAUTHENTICATED';

/** The dashboard's buttons: each sends one mutation with the page's key and merges its answer into the store. */
export function createActions(apiKey: string, dispatch: (action: Action) => void, onKeyRefused: () => void): Actions {
  /**
   * One mutation whose typed errors (NameTaken, InvalidInput, NotFound…) come back as the message
   * to show; `refused` sees such an answer first.
   */
  async function send<T extends Answer>(
    document: string,
    field: string,
    variables: Record<string, unknown>,
    done: (result: T) => Outcome,
    refused?: (result: T) => void,
  ): Promise<Outcome> {
    try {
      const result = (await request<Record<string, T>>(apiKey, document, variables))[field];
      if (result.message === undefined) return done(result);
      refused?.(result);
      return { tone: 'error', message: result.message };
    } catch (error) {
      if (isUnauthenticated(error)) onKeyRefused();
      return { tone: 'error', message: (error as Error).message };
    }
  }

  /** A job mutation's answer: the job, TokenExpired (the card offers reauthentication), or another typed error. */
  const startJob = (document: string, field: string, variables: Record<string, unknown>, instanceId: string, started: string) =>
    send<MutationResult>(
      document,
      field,
      variables,
      (result) => {
        const job = result as Job;
        dispatch({ type: 'job', job });
        return { tone: 'info', message: started, jobId: job.id };
      },
      (refusal) => {
        if (refusal.__typename === 'TokenExpired') dispatch({ type: 'exhausted', instance: { id: instanceId }, message: exhaustionText(refusal.message, refusal.reason!) });
      },
    );

  return {
    reauthenticate: (instanceId) =>
      send<Answer & { authorizationUrl: string; approvalWarning: string | null }>(START_REAUTHENTICATION, 'startReauthentication', { instanceId }, (result) => {
        // Salesforce would revoke another instance's grant: say so and let the person choose.
        if (result.approvalWarning) return { tone: 'error', message: result.approvalWarning, proceedUrl: result.authorizationUrl };
        location.assign(result.authorizationUrl);
        return { tone: 'info', message: 'Opening the Salesforce login…' };
      }),
    backup: (instanceId) => startJob(START_BACKUP, 'startBackup', { instanceId }, instanceId, 'Backup queued.'),
    restore: (instanceId, snapshotId, objects, overwrite) =>
      startJob(START_RESTORE, 'startRestore', { snapshotId, objects: objects.length ? objects : null, overwrite }, instanceId, 'Restore queued.'),
    addInstance: (organisationId, environment, name) =>
      send<Answer & InstanceDetails>(ADD_INSTANCE, 'addInstance', { organisationId, environment, name }, (instance) => {
        dispatch({ type: 'added', organisationId, instance });
        return { tone: 'info', message: `${instance.name} added. Grant access to connect it.` };
      }),
    renameInstance: (id, name) =>
      send<Answer & InstanceSummary>(RENAME_INSTANCE, 'updateInstance', { id, name }, (instance) => {
        dispatch({ type: 'instance', instance });
        return { tone: 'info', message: `Renamed to ${instance.name}.` };
      }),
    disconnectInstance: (id, deleteSnapshots) =>
      send<Answer & InstanceSummary>(DISCONNECT_INSTANCE, 'disconnectInstance', { id, deleteSnapshots }, (instance) => {
        dispatch({ type: 'instance', instance });
        return { tone: 'info', message: `${instance.name} is disconnected: its access was revoked at Salesforce${deleteSnapshots ? ' and its snapshots deleted' : ''}.` };
      }),
    deleteInstance: (id, confirmName) =>
      send<Answer & { name: string }>(DELETE_INSTANCE, 'deleteInstance', { id, confirmName }, (deleted) => {
        dispatch({ type: 'removed', instanceId: id });
        return { tone: 'info', message: `${deleted.name} was deleted.` };
      }),
    cancel: async (id) => {
      const outcome = await send(CANCEL_JOB, 'cancelJob', { id }, () => ({ tone: 'info', message: '' }));
      return outcome.tone === 'error' ? outcome : undefined;
    },
    query: (document, variables) => request(apiKey, document, variables),
  };
}
