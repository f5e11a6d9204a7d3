import { and, desc, eq, gte, inArray, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  apiKeys,
  auditEntries,
  instances,
  jobs,
  snapshots,
  type AuditActorKind,
  type AuditEntryRow,
  type AuditOutcome,
} from '../../db/schema.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import { organisationOf, type Viewer } from './viewer.ts';

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

export interface AuditFilter {
  action?: string | null;
  /** A key's name, `operator`, `scheduler` or `anonymous`. */
  actor?: string | null;
  targetId?: string | null;
  outcome?: AuditOutcome | null;
  since?: Date | null;
  until?: Date | null;
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
export function createAuditLog(db: Db) {
  /** The organisation a target belongs to, so an operator's action shows in that organisation's log. */
  function organisationOfTarget(target: AuditTarget): string | null {
    const row = (() => {
      switch (target.type) {
        case 'Organisation':
          return { organisationId: target.id };
        case 'Instance':
          return db.select({ organisationId: instances.organisationId }).from(instances).where(eq(instances.id, target.id)).get();
        case 'Job':
          return db.select({ organisationId: jobs.organisationId }).from(jobs).where(eq(jobs.id, target.id)).get();
        case 'ApiKey':
          return db.select({ organisationId: apiKeys.organisationId }).from(apiKeys).where(eq(apiKeys.id, target.id)).get();
        case 'Snapshot':
          return db
            .select({ organisationId: instances.organisationId })
            .from(snapshots)
            .innerJoin(instances, eq(instances.id, snapshots.instanceId))
            .where(eq(snapshots.id, target.id))
            .get();
        default:
          return undefined;
      }
    })();
    return row?.organisationId ?? null;
  }

  function organisationOfEvent(event: AuditEvent): string | null {
    if (event.organisationId !== undefined) return event.organisationId;
    if (typeof event.actor === 'object' && event.actor.kind === 'member') return event.actor.organisationId;
    return event.target ? organisationOfTarget(event.target) : null;
  }

  function conditions(viewer: Viewer, filter: AuditFilter): SQL | undefined {
    return and(
      organisationOf(viewer, auditEntries.organisationId),
      filter.organisationId ? eq(auditEntries.organisationId, filter.organisationId) : undefined,
      filter.action ? eq(auditEntries.action, filter.action) : undefined,
      filter.actor ? eq(auditEntries.actorName, filter.actor) : undefined,
      filter.targetId ? eq(auditEntries.targetId, filter.targetId) : undefined,
      filter.outcome ? eq(auditEntries.outcome, filter.outcome) : undefined,
      filter.since ? gte(auditEntries.at, filter.since) : undefined,
      filter.until ? lte(auditEntries.at, filter.until) : undefined,
    );
  }

  return {
    /** Appends one entry; `detail` is cut to 500 characters. */
    record(event: AuditEvent): AuditEntryRow {
      return db
        .insert(auditEntries)
        .values({
          at: new Date(),
          organisationId: organisationOfEvent(event),
          ...actorColumns(event.actor),
          action: event.action,
          targetType: event.target?.type ?? null,
          targetId: event.target?.id ?? null,
          outcome: event.outcome,
          detail: event.detail ? event.detail.slice(0, DETAIL_MAX) : null,
          clientAddress: event.clientAddress ?? null,
        })
        .returning()
        .get();
    },

    /** Newest first; the operator sees every entry, a key its own organisation's. */
    page(viewer: Viewer, filter: AuditFilter, request: PageRequest): Page<AuditEntryRow> {
      const size = pageSize(request, DEFAULT_PAGE_SIZE);
      const after = request.after ? decodeCursor('auditLog', request.after, ['number'] as const)[0] : undefined;
      const rows = db
        .select()
        .from(auditEntries)
        .where(and(conditions(viewer, filter), after === undefined ? undefined : lt(auditEntries.id, after)))
        .orderBy(desc(auditEntries.id))
        .limit(size + 1)
        .all();
      return pageOf(rows, size, request, cursorOf);
    },

    /** Every matching entry, newest first, read `batch` at a time so memory stays flat however long the log. */
    *entries(viewer: Viewer, filter: AuditFilter, batch = 500): Generator<AuditEntryRow[]> {
      let before: number | undefined;
      for (;;) {
        const rows = db
          .select()
          .from(auditEntries)
          .where(and(conditions(viewer, filter), before === undefined ? undefined : lt(auditEntries.id, before)))
          .orderBy(desc(auditEntries.id))
          .limit(batch)
          .all();
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
    pruneStep(cutoff: Date, batch = 1000): number {
      const oldest = db.select({ id: auditEntries.id }).from(auditEntries).where(lt(auditEntries.at, cutoff)).orderBy(auditEntries.id).limit(batch);
      return db.delete(auditEntries).where(inArray(auditEntries.id, oldest)).run().changes;
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
