import { JOBS_SHOWN } from './operations.ts';
import type { InstanceDetails, InstanceSummary, Job, Organisation } from './types.ts';

/**
 * Everything shown comes from the API: the organisations query, then subscription payloads and
 * mutation results merged into it. `exhaustion` keeps the message the API sent with
 * tokenExhausted or TokenExpired until reauthCompleted (or a CONNECTED instance) clears it.
 */
export interface State {
  organisations: Organisation[] | null;
  exhaustion: Record<string, string>;
}

export type Action =
  | { type: 'loaded'; organisations: Organisation[] }
  | { type: 'instance'; instance: InstanceSummary | InstanceDetails }
  | { type: 'exhausted'; instance: InstanceSummary | { id: string }; message: string }
  | { type: 'job'; job: Job }
  | { type: 'added'; organisationId: string; instance: InstanceDetails };

export const initialState: State = { organisations: null, exhaustion: {} };

function mapInstances(state: State, id: string, update: (instance: InstanceDetails) => InstanceDetails): Organisation[] | null {
  return (
    state.organisations?.map((organisation) =>
      organisation.instances.some((instance) => instance.id === id)
        ? { ...organisation, instances: organisation.instances.map((instance) => (instance.id === id ? update(instance) : instance)) }
        : organisation,
    ) ?? null
  );
}

function withoutKey(record: Record<string, string>, key: string) {
  if (!(key in record)) return record;
  const { [key]: _removed, ...rest } = record;
  return rest;
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'loaded':
      return { ...state, organisations: action.organisations };
    case 'instance': {
      const organisations = mapInstances(state, action.instance.id, (instance) => ({ ...instance, ...action.instance }));
      const exhaustion = action.instance.status === 'CONNECTED' ? withoutKey(state.exhaustion, action.instance.id) : state.exhaustion;
      return { organisations, exhaustion };
    }
    case 'exhausted': {
      const organisations =
        'status' in action.instance
          ? mapInstances(state, action.instance.id, (instance) => ({ ...instance, ...(action.instance as InstanceSummary) }))
          : state.organisations;
      return { organisations, exhaustion: { ...state.exhaustion, [action.instance.id]: action.message } };
    }
    case 'added': {
      // instanceUpdated may have announced it first: add it once.
      if (findInstance(state, action.instance.id)) return reducer(state, { type: 'instance', instance: action.instance });
      const organisations =
        state.organisations?.map((organisation) =>
          organisation.id === action.organisationId ? { ...organisation, instances: [...organisation.instances, action.instance] } : organisation,
        ) ?? null;
      return { ...state, organisations };
    }
    case 'job': {
      const organisations = mapInstances(state, action.job.instance.id, (instance) => {
        const edges = instance.jobs.edges;
        const index = edges.findIndex((edge) => edge.node.id === action.job.id);
        const next =
          index >= 0
            ? edges.map((edge, i) => (i === index ? { node: newer(edge.node, action.job) } : edge))
            : [{ node: action.job }, ...edges].slice(0, JOBS_SHOWN);
        return { ...instance, jobs: { ...instance.jobs, edges: next } };
      });
      return { ...state, organisations };
    }
  }
}

const STAGE: Record<Job['status'], number> = { QUEUED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };

/** A mutation's answer can arrive after the job already moved on over the socket: keep the later state. */
function newer(current: Job, incoming: Job): Job {
  const stale =
    STAGE[incoming.status] < STAGE[current.status] ||
    (incoming.status === current.status && incoming.progress.processed < current.progress.processed);
  return stale ? current : { ...current, ...incoming };
}

export function findInstance(state: State, id: string): InstanceDetails | undefined {
  for (const organisation of state.organisations ?? []) {
    const instance = organisation.instances.find((candidate) => candidate.id === id);
    if (instance) return instance;
  }
  return undefined;
}
