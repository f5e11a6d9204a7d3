import { JOBS_SHOWN } from './operations.ts';
import type { InstanceDetails, InstanceSummary, Job, Organisation } from './types.ts';

/**
 * Everything shown comes from the API: the organisations query, then subscription payloads and
 * mutation results merged into it. `exhaustion` keeps the message the API sent with
 * tokenExhausted or TokenExpired until reauthCompleted (or a CONNECTED instance) clears it.
 */
export interface State {
  organisations: Organisation[] | null;
  /** The cursor of the next page of organisations, when there is one (the operator key's list is paged). */
  nextPage: string | null;
  exhaustion: Record<string, string>;
  /** Instances deleted while the page is open: a read of one still under way must not bring it back. */
  removed: string[];
}

export type Action =
  | { type: 'loaded'; organisations: Organisation[]; nextPage: string | null; append?: boolean }
  | { type: 'organisation'; change: 'CREATED' | 'UPDATED' | 'DELETED'; organisation: { id: string; name?: string } }
  | { type: 'removed'; instanceId: string }
  | { type: 'instance'; instance: InstanceSummary | InstanceDetails }
  | { type: 'exhausted'; instance: InstanceSummary | { id: string }; message: string }
  | { type: 'job'; job: Job }
  | { type: 'added'; organisationId: string; instance: InstanceDetails };

export const initialState: State = { organisations: null, nextPage: null, exhaustion: {}, removed: [] };

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
      return { ...state, organisations: action.append ? [...(state.organisations ?? []), ...action.organisations] : action.organisations, nextPage: action.nextPage };
    case 'organisation':
      return { ...state, organisations: changedOrganisations(state, action) };
    case 'removed': {
      const organisations =
        state.organisations?.map((organisation) => ({ ...organisation, instances: organisation.instances.filter((instance) => instance.id !== action.instanceId) })) ?? null;
      return { ...state, organisations, exhaustion: withoutKey(state.exhaustion, action.instanceId), removed: [...state.removed, action.instanceId] };
    }
    case 'instance': {
      const organisations = mapInstances(state, action.instance.id, (instance) => ({ ...instance, ...action.instance }));
      const exhaustion = action.instance.status === 'CONNECTED' ? withoutKey(state.exhaustion, action.instance.id) : state.exhaustion;
      return { ...state, organisations, exhaustion };
    }
    case 'exhausted': {
      const organisations =
        'status' in action.instance
          ? mapInstances(state, action.instance.id, (instance) => ({ ...instance, ...(action.instance as InstanceSummary) }))
          : state.organisations;
      return { ...state, organisations, exhaustion: { ...state.exhaustion, [action.instance.id]: action.message } };
    }
    case 'added': {
      if (state.removed.includes(action.instance.id)) return state;
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
        const jobs = instance.jobs.nodes;
        const index = jobs.findIndex((job) => job.id === action.job.id);
        const next =
          index >= 0
            ? jobs.map((job, i) => (i === index ? newer(job, action.job) : job))
            : [action.job, ...jobs].slice(0, JOBS_SHOWN);
        return { ...instance, jobs: { ...instance.jobs, nodes: next } };
      });
      return { ...state, organisations };
    }
  }
}

/** An organisation created (shown last, once), renamed or deleted elsewhere. */
function changedOrganisations(state: State, action: Extract<Action, { type: 'organisation' }>): Organisation[] | null {
  const { organisation, change } = action;
  const organisations = state.organisations ?? [];
  const known = organisations.some((candidate) => candidate.id === organisation.id);
  if (change === 'DELETED') return organisations.filter((candidate) => candidate.id !== organisation.id);
  if (change === 'CREATED' && !known && state.nextPage === null) return [...organisations, { id: organisation.id, name: organisation.name ?? '', instances: [] }];
  return organisations.map((candidate) => (candidate.id === organisation.id && organisation.name ? { ...candidate, name: organisation.name } : candidate));
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
