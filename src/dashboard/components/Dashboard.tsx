import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { ApiError, createLiveClient, request, type ConnectionState } from '../api.ts';
import { JOB_KIND_LABEL, JOB_STATUS_LABEL } from '../format.ts';
import { ADD_INSTANCE, CANCEL_JOB, INSTANCE, ORGANISATIONS, START_BACKUP, START_REAUTHENTICATION, START_RESTORE, SUBSCRIPTIONS } from '../operations.ts';
import { alertEvents, alertSummary, DATA_ALERT_SUBSCRIPTION, type DataAlert } from '../insight.ts';
import { findInstance, initialState, reducer } from '../store.ts';
import type { Environment, InstanceDetails, InstanceSummary, Job, Organisation } from '../types.ts';
import type { Session } from './App.tsx';
import { OrganisationView } from './OrganisationView.tsx';

/** What a card shows after one of its buttons: the API's own message, and whether to offer reauthentication. */
export interface Outcome {
  tone: 'info' | 'error';
  message: string;
  /** Where to go on once the person has read the message (a login that would evict another grant). */
  proceedUrl?: string;
}

export interface Actions {
  reauthenticate(instanceId: string): Promise<Outcome | undefined>;
  backup(instanceId: string): Promise<Outcome>;
  restore(instanceId: string, snapshotId: string, objects: string[], overwrite: boolean): Promise<Outcome>;
  cancel(jobId: string): Promise<Outcome | undefined>;
  addInstance(organisationId: string, environment: Environment, name: string): Promise<Outcome>;
  /** Any other request with the page's key (the compare, alert and export views). */
  query<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
}

type MutationResult = (Job & { __typename: 'Job' }) | { __typename: string; message: string; instance?: { id: string } };

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting live updates…',
  connected: 'Live updates on',
  reconnecting: 'Live updates lost; reconnecting…',
  refused: 'Live updates refused for this key',
};

const isUnauthenticated = (error: unknown) => error instanceof ApiError && error.code === 'UNAUTHENTICATED';
const isFinished = (status: Job['status']) => status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';

export function Dashboard({ session, onKeyRefused }: { session: Session; onKeyRefused: () => void }) {
  const { apiKey, viewer } = session;
  const [state, dispatch] = useReducer(reducer, initialState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const announce = useCallback((text: string) => setAnnouncement((previous) => (previous === text ? `${text}\u00a0` : text)), []);

  const load = useCallback(async () => {
    try {
      const data = await request<{ organisations: Organisation[] }>(apiKey, ORGANISATIONS);
      dispatch({ type: 'loaded', organisations: data.organisations });
      setLoadError(null);
    } catch (error) {
      if (isUnauthenticated(error)) return onKeyRefused();
      setLoadError((error as Error).message);
    }
  }, [apiKey, onKeyRefused]);

  const reloadInstance = useCallback(
    async (id: string) => {
      const data = await request<{ instance: InstanceDetails & { __typename: string } }>(apiKey, INSTANCE, { id });
      if (data.instance.__typename === 'Instance') dispatch({ type: 'instance', instance: data.instance });
    },
    [apiKey],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // One socket for the page; every organisation's four streams are multiplexed on it.
  const organisationIds = state.organisations?.map((organisation) => organisation.id).join(',') ?? '';
  useEffect(() => {
    if (!organisationIds) return;
    let connections = 0;
    const client = createLiveClient(apiKey, (next) => {
      setConnection(next);
      // Whatever happened while the socket was down is read again once it is back.
      if (next === 'connected' && connections++ > 0) void load();
      if (next === 'refused') onKeyRefused();
    });
    const documents = SUBSCRIPTIONS;
    const stops: (() => void)[] = [];
    const listen = <T,>(query: string, organisationId: string, handle: (data: T) => void) =>
      stops.push(
        client.subscribe<T>(
          { query, variables: { organisationId } },
          {
            next: (result) => result.data && handle(result.data),
            error: () => {},
            complete: () => {},
          },
        ),
      );
    for (const organisationId of organisationIds.split(',')) {
      listen<{ instanceUpdated: InstanceSummary }>(documents.instanceUpdated, organisationId, (data) =>
        dispatch({ type: 'instance', instance: data.instanceUpdated }),
      );
      listen<{ tokenExhausted: { message: string; instance: InstanceSummary } }>(documents.tokenExhausted, organisationId, (data) => {
        const { instance, message } = data.tokenExhausted;
        dispatch({ type: 'exhausted', instance, message });
        announce(`${instance.name}: ${message}. Reauthenticate before the next backup or restore.`);
      });
      listen<{ reauthCompleted: { instance: InstanceSummary } }>(documents.reauthCompleted, organisationId, (data) => {
        const { instance } = data.reauthCompleted;
        dispatch({ type: 'instance', instance });
        announce(`${instance.name} is connected again: ${instance.tokensRemaining} of ${instance.tokenLimit} tokens left.`);
      });
      listen<{ jobUpdated: Job }>(documents.jobUpdated, organisationId, (data) => {
        const job = data.jobUpdated;
        const instance = findInstance(stateRef.current, job.instance.id);
        const before = instance?.jobs.edges.find((edge) => edge.node.id === job.id)?.node;
        dispatch({ type: 'job', job });
        if (isFinished(job.status) && before?.status !== job.status) {
          announce(`${JOB_KIND_LABEL[job.kind]} of ${instance?.name ?? 'an instance'}: ${JOB_STATUS_LABEL[job.status].toLowerCase()}.`);
          // A finished job changes snapshots, usage and the last backup: read the instance again.
          void reloadInstance(job.instance.id).catch(() => {});
        }
      });
      listen<{ dataAlert: DataAlert }>(DATA_ALERT_SUBSCRIPTION, organisationId, (data) => {
        const alert = data.dataAlert;
        alertEvents.publish(alert);
        const instance = findInstance(stateRef.current, alert.instance.id);
        if (!alert.acknowledgedAt) announce(`Mass change found by the backup of ${instance?.name ?? 'an instance'}: ${alertSummary(alert)}.`);
      });
    }
    return () => {
      for (const stop of stops) stop();
      void client.dispose();
    };
  }, [apiKey, organisationIds, load, reloadInstance, announce, onKeyRefused]);

  const actions = useMemo<Actions>(() => {
    /** A job mutation's answer: the job, TokenExpired (offer reauthentication), or another typed error. */
    const settle = (result: MutationResult, instanceId: string, started: string): Outcome => {
      if (result.__typename === 'Job') {
        dispatch({ type: 'job', job: result as Job });
        return { tone: 'info', message: started };
      }
      const { message } = result as { message: string };
      if (result.__typename === 'TokenExpired') dispatch({ type: 'exhausted', instance: { id: instanceId }, message });
      return { tone: 'error', message };
    };
    const failed = (error: unknown): Outcome => {
      if (isUnauthenticated(error)) onKeyRefused();
      return { tone: 'error', message: (error as Error).message };
    };
    return {
      async reauthenticate(instanceId) {
        try {
          const data = await request<{ startReauthentication: { __typename: string; authorizationUrl?: string; approvalWarning?: string | null; message?: string } }>(
            apiKey,
            START_REAUTHENTICATION,
            { instanceId },
          );
          const result = data.startReauthentication;
          // Salesforce would revoke another instance's grant: say so and let the person choose.
          if (result.authorizationUrl && result.approvalWarning) return { tone: 'error', message: result.approvalWarning, proceedUrl: result.authorizationUrl };
          if (result.authorizationUrl) {
            location.assign(result.authorizationUrl);
            return { tone: 'info', message: 'Opening the Salesforce login…' };
          }
          return { tone: 'error', message: result.message ?? 'Reauthentication could not start.' };
        } catch (error) {
          return failed(error);
        }
      },
      async backup(instanceId) {
        try {
          const data = await request<{ startBackup: MutationResult }>(apiKey, START_BACKUP, { instanceId });
          return settle(data.startBackup, instanceId, 'Backup queued.');
        } catch (error) {
          return failed(error);
        }
      },
      async restore(instanceId, snapshotId, objects, overwrite) {
        try {
          const data = await request<{ startRestore: MutationResult }>(apiKey, START_RESTORE, {
            snapshotId,
            objects: objects.length ? objects : null,
            overwrite,
          });
          return settle(data.startRestore, instanceId, 'Restore queued.');
        } catch (error) {
          return failed(error);
        }
      },
      async addInstance(organisationId, environment, name) {
        try {
          const data = await request<{ addInstance: InstanceDetails & { __typename: string; message?: string } }>(
            apiKey,
            ADD_INSTANCE,
            { organisationId, environment, name },
          );
          const result = data.addInstance;
          if (result.__typename !== 'Instance') return { tone: 'error', message: result.message ?? 'The instance was not added.' };
          dispatch({ type: 'added', organisationId, instance: result });
          return { tone: 'info', message: `${result.name} added. Grant access to connect it.` };
        } catch (error) {
          return failed(error);
        }
      },
      async cancel(jobId) {
        try {
          const data = await request<{ cancelJob: { __typename: string; message?: string } }>(apiKey, CANCEL_JOB, { id: jobId });
          return data.cancelJob.message ? { tone: 'error', message: data.cancelJob.message } : undefined;
        } catch (error) {
          return failed(error);
        }
      },
      query: (document, variables) => request(apiKey, document, variables),
    };
  }, [apiKey, onKeyRefused]);

  return (
    <div class="dashboard">
      <div class="dashboard-heading">
        <h1>Salesforce instances</h1>
        {/* With no organisation there is nothing to subscribe to, so no socket opens. */}
        <p class={`connection connection--${state.organisations?.length === 0 ? 'idle' : connection}`} role="status">
          <span class="dot" aria-hidden="true" />
          {state.organisations?.length === 0 ? 'No organisations to follow live yet' : CONNECTION_LABEL[connection]}
        </p>
      </div>
      <div class="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {announcement}
      </div>
      {loadError && (
        <div class="banner banner--error" role="alert">
          <p>Could not load the organisations: {loadError}</p>
          <button type="button" class="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}
      {state.organisations === null && !loadError && <p role="status">Loading…</p>}
      {state.organisations?.length === 0 && (
        <p>
          No organisations yet. With the operator key, create one and an ADMIN key for it with the createOrganisation and
          createApiKey mutations in <a href="/graphql">GraphiQL</a>.
        </p>
      )}
      {state.organisations?.map((organisation) => (
        <OrganisationView
          key={organisation.id}
          organisation={organisation}
          exhaustion={state.exhaustion}
          role={viewer.role}
          actions={actions}
        />
      ))}
    </div>
  );
}
