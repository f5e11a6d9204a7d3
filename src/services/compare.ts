import type Database from 'better-sqlite3';
import type { SnapshotRow } from '../../db/schema.ts';
import { prepareSnapshotChanges, type ChangeCountRow, type ChangeKind, type ChangedRow, CHANGE_KINDS } from '../../db/snapshot-changes.ts';
import { InvalidInputError } from '../errors.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import type { SnapshotQueries } from './snapshot-queries.ts';
import type { SalesforceRecord, SnapshotService } from './snapshots.ts';
import type { Viewer } from './viewer.ts';

const CHANGES_PAGE_SIZE = 50;

/** Two snapshots of one instance, compared from `from` to `to` (either may be the older). */
export interface Comparison {
  from: SnapshotRow;
  to: SnapshotRow;
  /** Objects both snapshots hold complete: only those can be compared. */
  objects: string[];
}

export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

export interface RecordChange {
  object: string;
  recordId: string;
  kind: ChangeKind;
  fields: FieldChange[];
  /** The snapshot holding the record as it was before the change (`to` for a created record). */
  restoreFrom: SnapshotRow;
}

export type ObjectChanges = ChangeCountRow;

export interface ChangesRequest extends PageRequest {
  object?: string | null;
  kinds?: readonly ChangeKind[] | null;
}

/** Fields whose values differ between two versions of a record; a missing side counts as empty. */
export function fieldChanges(before: SalesforceRecord | undefined, after: SalesforceRecord | undefined): FieldChange[] {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  names.delete('attributes');
  const changes: FieldChange[] = [];
  for (const field of [...names].sort()) {
    const old = before?.[field] ?? null;
    const value = after?.[field] ?? null;
    if (JSON.stringify(old) !== JSON.stringify(value)) changes.push({ field, old, new: value });
  }
  return changes;
}

/**
 * Compares two snapshots of an instance: counts and changed records come from the stored content
 * hashes of the records that can differ; only the records of a page are opened, for their fields.
 */
export function createCompareService(deps: { sqlite: Database.Database; storage: SnapshotService; snapshots: Pick<SnapshotQueries, 'get'> }) {
  const { storage, snapshots } = deps;
  const changes = prepareSnapshotChanges(deps.sqlite);
  const chains = (comparison: Comparison) => ({
    oldChain: storage.chain(comparison.from),
    newChain: storage.chain(comparison.to),
    objects: comparison.objects,
  });

  /** The comparison of two snapshots of one instance. */
  function comparison(from: SnapshotRow, to: SnapshotRow): Comparison {
    if (from.instanceId !== to.instanceId) throw new InvalidInputError('Only snapshots of the same instance can be compared', 'to');
    const complete = (snapshot: SnapshotRow) =>
      new Set(storage.objectsOf([snapshot.id]).filter((o) => o.state === 'COMPLETE').map((o) => o.name));
    const inTo = complete(to);
    return { from, to, objects: [...complete(from)].filter((name) => inTo.has(name)).sort() };
  }

  return {
    comparison,

    /** Two snapshots the viewer may read, compared from `fromId` to `toId`. */
    compare: (viewer: Viewer, fromId: string, toId: string): Comparison => comparison(snapshots.get(viewer, fromId), snapshots.get(viewer, toId)),

    counts: (comparison: Comparison): ObjectChanges[] => changes.counts(chains(comparison)),

    changes(comparison: Comparison, request: ChangesRequest): Page<RecordChange> {
      const size = pageSize(request, CHANGES_PAGE_SIZE);
      if (request.object && !comparison.objects.includes(request.object)) {
        throw new InvalidInputError(`${request.object} is not an object both snapshots hold`, 'object', [request.object]);
      }
      const after = request.after ? decodeCursor('changes', request.after, ['string', 'string'] as const) : null;
      const rows = changes.page(chains(comparison), {
        object: request.object ?? null,
        kinds: request.kinds?.length ? request.kinds : CHANGE_KINDS,
        after: after && { object: after[0], recordId: after[1] },
        limit: size + 1,
      });
      const page = pageOf(rows, size, request, (row) => encodeCursor('changes', row.object, row.recordId));
      return { ...page, rows: withFields(comparison, page.rows) };
    },

    /** Every changed record of one object, of the given kinds, a page at a time (for a restore of them). */
    *changedIds(comparison: Comparison, object: string, kinds: readonly ChangeKind[]): Generator<string[]> {
      let after: { object: string; recordId: string } | null = null;
      for (;;) {
        const rows = changes.page(chains(comparison), { object, kinds, after, limit: 2000 });
        if (rows.length === 0) return;
        yield rows.map((row) => row.recordId);
        after = rows.at(-1)!;
      }
    },
  };

  /** Opens both versions of the page's records, object by object, for their field changes. */
  function withFields(comparison: Comparison, rows: ChangedRow[]): RecordChange[] {
    const byObject = new Map<string, string[]>();
    for (const row of rows) byObject.set(row.object, [...(byObject.get(row.object) ?? []), row.recordId]);
    const versions = new Map<string, { before?: SalesforceRecord; after?: SalesforceRecord }>();
    for (const [object, ids] of byObject) {
      for (const record of storage.recordReader(comparison.from, object)(ids)) versions.set(record.recordId, { before: record.data });
      for (const record of storage.recordReader(comparison.to, object)(ids)) {
        versions.set(record.recordId, { ...versions.get(record.recordId), after: record.data });
      }
    }
    return rows.map((row) => {
      const { before, after } = versions.get(row.recordId) ?? {};
      return {
        ...row,
        fields: fieldChanges(before, after),
        restoreFrom: row.kind === 'CREATED' ? comparison.to : comparison.from,
      };
    });
  }
}

export type CompareService = ReturnType<typeof createCompareService>;
