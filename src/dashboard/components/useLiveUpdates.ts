import { useEffect, useRef, useState, type Dispatch } from 'preact/hooks';
import type { Client } from 'graphql-ws';
import { createLiveClient, type ConnectionState } from '../api.ts';
import { exhaustionText, JOB_KIND_LABEL, JOB_STATUS_LABEL, type ExhaustionReason } from '../format.ts';
import { alertEvents, alertSummary, DATA_ALERT_SUBSCRIPTION, type DataAlert } from '../insight.ts';
import { SUBSCRIPTIONS } from '../operations.ts';
import { findInstance, type Action, type State } from '../store.ts';
import type { InstanceSummary, Job } from '../types.ts';

interface Live {
  apiKey: string;
  /** The operator key hears organisations created anywhere, so it listens even with none shown. */
  followsEveryOrganisation: boolean;
  state: State;
  dispatch: Dispatch<Action>;
  announce: (text: string) => void;
  /** Reads everything again (after a reconnection, when events may have been missed). */
  reload: () => void;
  /** Reads one instance with its jobs and snapshots again; `organisationId` adds it when it is new here. */
  reloadInstance: (id: string, organisationId?: string) => Promise<void>;
  /** Reads one organisation's instances again (one that appeared after the page loaded). */
  reloadOrganisation: (id: string) => Promise<void>;
  onKeyRefused: () => void;
}

const isFinished = (status: Job['status']) => status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';

/**
 * One socket for the page: the organisations' changes, and every organisation's instance, token,
 * job, alert and removal streams multiplexed on it. Returns the socket's state; null when there is
 * nothing to follow (no organisation, and not the operator key).
 */
export function useLiveUpdates({ apiKey, followsEveryOrganisation, state, dispatch, announce, reload, reloadInstance, reloadOrganisation, onKeyRefused }: Live): ConnectionState | null {
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const stateRef = useRef(state);
  stateRef.current = state;
  const organisationIds = state.organisations?.map((organisation) => organisation.id).join(',') ?? '';
  const follows = followsEveryOrganisation || organisationIds !== '';

  // The page's one socket lives as long as there is something to follow; organisations come and go on it.
  const [client, setClient] = useState<Client | null>(null);
  useEffect(() => {
    if (!follows) return;
    const opened = createLiveClient(apiKey, (next) => {
      setConnection(next);
      // Whatever happened before the socket was up (the page's first read may have come earlier),
      // or while it was down, is read again once it is.
      if (next === 'connected') reload();
      if (next === 'refused') onKeyRefused();
    });
    const stop = subscribe(opened, SUBSCRIPTIONS.organisationChanged, {}, ({ organisationChanged: event }: { organisationChanged: OrganisationChange }) =>
      dispatch({ type: 'organisation', change: event.change, organisation: event.organisation ?? { id: event.organisationId } }),
    );
    setClient(opened);
    return () => {
      stop();
      setClient(null);
      void opened.dispose();
    };
  }, [apiKey, follows, dispatch, reload, onKeyRefused]);

  // Each organisation's streams, started once when it appears and stopped when it goes: the others
  // are never interrupted. One that appears later (created elsewhere) is read again once its
  // streams are open, for what happened in between.
  const followed = useRef(new Map<string, () => void>());
  const subscribedOnce = useRef(false);
  useEffect(() => {
    if (!client) return;
    const streams = followed.current;
    const wanted = new Set(organisationIds ? organisationIds.split(',') : []);
    const first = !subscribedOnce.current;
    subscribedOnce.current = true;
    for (const [organisationId, stop] of streams) {
      if (wanted.has(organisationId)) continue;
      stop();
      streams.delete(organisationId);
    }
    for (const organisationId of wanted) {
      if (streams.has(organisationId)) continue;
      streams.set(organisationId, follow(organisationId));
      if (!first) void reloadOrganisation(organisationId).catch(() => {});
    }
  });
  useEffect(
    () => () => {
      for (const stop of followed.current.values()) stop();
      followed.current.clear();
      subscribedOnce.current = false;
    },
    [client],
  );

  /** The streams of one organisation on the page's socket; returns what stops them. */
  function follow(organisationId: string): () => void {
    const stops: (() => void)[] = [];
    const listen = <T,>(query: string, variables: Record<string, unknown>, handle: (data: T) => void) => stops.push(subscribe(client!, query, variables, handle));
    const nameOf = (instanceId: string) => findInstance(stateRef.current, instanceId)?.name ?? 'an instance';
    const scope = { organisationId };
    listen<{ instanceUpdated: InstanceSummary }>(SUBSCRIPTIONS.instanceUpdated, scope, ({ instanceUpdated: instance }) => {
      // An instance added from another tab or tool arrives here first: read it whole.
      if (!findInstance(stateRef.current, instance.id)) void reloadInstance(instance.id, organisationId).catch(() => {});
      else dispatch({ type: 'instance', instance });
    });
    listen<{ instanceRemoved: { instanceId: string } }>(SUBSCRIPTIONS.instanceRemoved, scope, ({ instanceRemoved }) =>
      dispatch({ type: 'removed', instanceId: instanceRemoved.instanceId }),
    );
    listen<{ tokenExhausted: { message: string; reason: ExhaustionReason; instance: InstanceSummary } }>(SUBSCRIPTIONS.tokenExhausted, scope, ({ tokenExhausted }) => {
      const { instance, message, reason } = tokenExhausted;
      dispatch({ type: 'exhausted', instance, message: exhaustionText(message, reason) });
      announce(`${instance.name}: ${message}. Reauthenticate before the next backup or restore.`);
    });
    listen<{ reauthCompleted: { instance: InstanceSummary } }>(SUBSCRIPTIONS.reauthCompleted, scope, ({ reauthCompleted: { instance } }) => {
      dispatch({ type: 'instance', instance });
      announce(`${instance.name} is connected again: ${instance.tokensRemaining} of ${instance.tokenLimit} tokens left.`);
    });
    listen<{ jobUpdated: Job }>(SUBSCRIPTIONS.jobUpdated, scope, ({ jobUpdated: job }) => {
      const before = findInstance(stateRef.current, job.instance.id)?.jobs.nodes.find((candidate) => candidate.id === job.id);
      dispatch({ type: 'job', job });
      if (isFinished(job.status) && before?.status !== job.status) {
        announce(`${JOB_KIND_LABEL[job.kind]} of ${nameOf(job.instance.id)}: ${JOB_STATUS_LABEL[job.status].toLowerCase()}.`);
        // A finished job changes snapshots, usage and the last backup: read the instance again.
        void reloadInstance(job.instance.id).catch(() => {});
      }
    });
    listen<{ dataAlert: DataAlert }>(DATA_ALERT_SUBSCRIPTION, scope, ({ dataAlert: alert }) => {
      alertEvents.publish(alert);
      if (!alert.acknowledgedAt) announce(`Mass change found by the backup of ${nameOf(alert.instance.id)}: ${alertSummary(alert)}.`);
    });
    return () => {
      for (const stop of stops) stop();
    };
  }

  return follows ? connection : null;
}

interface OrganisationChange {
  change: 'CREATED' | 'UPDATED' | 'DELETED';
  organisationId: string;
  organisation: { id: string; name: string } | null;
}

function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>, handle: (data: T) => void): () => void {
  return client.subscribe<T>({ query, variables }, { next: (result) => result.data && handle(result.data), error: () => {}, complete: () => {} });
}
