import type { AuditFilter, AuditStore } from '../../db/audit-store.ts';
import type { AuditActorKind, AuditEntryRow, AuditOutcome } from '../../db/schema.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import type { Viewer } from './viewer.ts';

export type { AuditFilter };

/** Who acted: a key (or the operator key), the scheduler, the service itself, or a caller without a valid key. */
export type AuditActor = Viewer | 'scheduler' | 'system' | 'anonymous';

export interface AuditTarget {
  /** The GraphQL type name: Organisation, Instance, Snapshot, Job, ApiKey… */
  type: string;
  id: string;
}

export interface AuditEvent {
  actor: AuditActor;
  action: string;
  target?: AuditTarget | null;
  outcome: AuditOutcome;
  detail?: string | null;
  clientAddress?: string | null;
  /** Whose log the entry goes in; when omitted, the actor's organisation or the target's. */
  organisationId?: string | null;
}

const DEFAULT_PAGE_SIZE = 50;
const cursorOf = (entry: AuditEntryRow) => encodeCursor('auditLog', entry.id);
const DETAIL_MAX = 500;

function actorColumns(actor: AuditActor): { actorKind: AuditActorKind; actorName: string; actorKeyId: string | null; actorRole: AuditEntryRow['actorRole'] } {
  if (actor === 'scheduler') return { actorKind: 'SCHEDULER', actorName: 'scheduler', actorKeyId: null, actorRole: null };
  if (actor === 'system') return { actorKind: 'SYSTEM', actorName: 'system', actorKeyId: null, actorRole: null };
  if (actor === 'anonymous') return { actorKind: 'ANONYMOUS', actorName: 'anonymous', actorKeyId: null, actorRole: null };
  if (actor.kind === 'operator') return { actorKind: 'OPERATOR', actorName: 'operator', actorKeyId: null, actorRole: null };
  return { actorKind: 'API_KEY', actorName: actor.keyName, actorKeyId: actor.keyId, actorRole: actor.role };
}

/** The audit log: one `record` for every place something is done, and the reads the API offers. */
export function createAuditLog(store: AuditStore) {
  async function organisationOfEvent(event: AuditEvent): Promise<string | null> {
    if (event.organisationId !== undefined) return event.organisationId;
    if (typeof event.actor === 'object' && event.actor.kind === 'member') return event.actor.organisationId;
    if (!event.target) return null;
    // So an operator's action shows in the log of the organisation it acted on.
    return event.target.type === 'Organisation' ? event.target.id : store.organisationOfTarget(event.target.type, event.target.id);
  }

  const scopeOf = (viewer: Viewer) => (viewer.kind === 'operator' ? undefined : viewer.organisationId);

  return {
    /** Appends one entry; `detail` is cut to 500 characters. */
    async record(event: AuditEvent): Promise<AuditEntryRow> {
      return store.record({
        at: new Date(),
        organisationId: await organisationOfEvent(event),
        ...actorColumns(event.actor),
        action: event.action,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        outcome: event.outcome,
        detail: event.detail ? event.detail.slice(0, DETAIL_MAX) : null,
        clientAddress: event.clientAddress ?? null,
      });
    },

    /** Newest first; the operator sees every entry, a key its own organisation's. */
    async page(viewer: Viewer, filter: AuditFilter, request: PageRequest): Promise<Page<AuditEntryRow>> {
      const size = pageSize(request, DEFAULT_PAGE_SIZE);
      const after = request.after ? decodeCursor('auditLog', request.after, ['number'] as const)[0] : undefined;
      const rows = await store.newestFirst(scopeOf(viewer), filter, after, size + 1);
      return pageOf(rows, size, request, cursorOf);
    },

    /** Every matching entry, newest first, read `batch` at a time so memory stays flat however long the log. */
    async *entries(viewer: Viewer, filter: AuditFilter, batch = 500): AsyncGenerator<AuditEntryRow[]> {
      let before: number | undefined;
      for (;;) {
        const rows = await store.newestFirst(scopeOf(viewer), filter, before, batch);
        if (rows.length === 0) return;
        yield rows;
        if (rows.length < batch) return;
        before = rows.at(-1)!.id;
      }
    },

    /**
     * Removes at most `batch` entries older than `cutoff`, oldest first; returns how many. Callers
     * repeat with the event loop free in between, so pruning a long log never holds the database.
     */
    pruneStep(cutoff: Date, batch = 1000): Promise<number> {
      return store.pruneStep(cutoff, batch);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
