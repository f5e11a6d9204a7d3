import { and, eq, gte, lte, type Column, type SQL } from 'drizzle-orm';
import type { auditEntries, AuditEntryRow, AuditOutcome } from './schema.ts';

export type NewAuditEntry = Omit<typeof auditEntries.$inferInsert, 'id'>;

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

/**
 * The audit log as stored. Each database engine implements it its own way (db/sqlite, db/pg): on
 * both, an entry's id is given in the order entries become visible, so a reader going from the
 * newest entry to older ones by id never passes an entry that is committed after it looked.
 */
export interface AuditStore {
  /** Appends one entry. */
  record(entry: NewAuditEntry): Promise<AuditEntryRow>;
  /** The organisation of an instance, job, API key or snapshot; null when it is gone or the type has none. */
  organisationOfTarget(type: string, id: string): Promise<string | null>;
  /**
   * The entries matching the filter with ids below `before` (all when undefined), newest first, at
   * most `limit`; with `organisationId`, only that organisation's.
   */
  newestFirst(organisationId: string | undefined, filter: AuditFilter, before: number | undefined, limit: number): Promise<AuditEntryRow[]>;
  /** Removes at most `batch` entries older than `cutoff`, oldest first; returns how many. */
  pruneStep(cutoff: Date, batch: number): Promise<number>;
}

type AuditColumns = Record<'organisationId' | 'action' | 'actorName' | 'targetId' | 'outcome' | 'at', Column>;

/** The condition of a filter on either engine's audit table. */
export function auditConditions(table: AuditColumns, organisationId: string | undefined, filter: AuditFilter): SQL | undefined {
  return and(
    organisationId === undefined ? undefined : eq(table.organisationId, organisationId),
    filter.organisationId ? eq(table.organisationId, filter.organisationId) : undefined,
    filter.action ? eq(table.action, filter.action) : undefined,
    filter.actor ? eq(table.actorName, filter.actor) : undefined,
    filter.targetId ? eq(table.targetId, filter.targetId) : undefined,
    filter.outcome ? eq(table.outcome, filter.outcome) : undefined,
    filter.since ? gte(table.at, filter.since) : undefined,
    filter.until ? lte(table.at, filter.until) : undefined,
  );
}
