import { setImmediate } from 'node:timers/promises';
import type { SnapshotRow } from '../../db/schema.ts';
import {
  CHANGE_KINDS,
  changeCounts,
  changesPage,
  type ChangeCountRow,
  type ChangedRow,
  type ChangeKind,
  type ChangeScope,
  type RecordKey,
  type SnapshotChangeStore,
} from '../../db/snapshot-changes.ts';
import { InvalidInputError } from '../errors.ts';
import { decodeCursor, encodeCursor, pageOf, pageSize, type Page, type PageRequest } from './paging.ts';
import type { SnapshotQueries } from './snapshot-queries.ts';
import type { SalesforceRecord, SnapshotService } from './snapshots.ts';
import type { Viewer } from './viewer.ts';

const CHANGES_PAGE_SIZE = 50;
/** Change sets followed from one snapshot to the other before comparing hash by hash instead. */
const MAX_CHANGE_SETS = 1000;

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

interface Dependencies {
  changes: SnapshotChangeStore;
  storage: SnapshotService;
  snapshots: Pick<SnapshotQueries, 'get'>;
}

/**
 * Compares two snapshots of an instance from the stored content hashes. After each backup the
 * records it changed are noted (an incremental's own rows; for a full one, found hash by hash
 * once), so a comparison looks only at the records changed by the backups between its two
 * snapshots. Only the records of a page are opened, for their fields.
 */
export function createCompareService({ changes, storage, snapshots }: Dependencies) {
  const completeObjects = async (snapshot: SnapshotRow) => (await storage.objectsOf([snapshot.id])).filter((o) => o.state === 'COMPLETE').map((o) => o.name);

  async function comparison(from: SnapshotRow, to: SnapshotRow): Promise<Comparison> {
    if (from.instanceId !== to.instanceId) throw new InvalidInputError('Only snapshots of the same instance can be compared', 'to');
    const inTo = new Set(await completeObjects(to));
    return { from, to, objects: (await completeObjects(from)).filter((name) => inTo.has(name)).sort() };
  }

  /** The change sets leading from the newer snapshot back to the older, or undefined when one is missing. */
  async function changeSetsBetween(older: SnapshotRow, newer: SnapshotRow): Promise<Pick<ChangeScope, 'rowsOf' | 'changesOf'> | undefined> {
    const sets = new Map((await changes.changeSetsBetween(newer.instanceId, older.sequence, newer.sequence)).map((set) => [set.snapshotId, set]));
    const scope = { rowsOf: [] as string[], changesOf: [] as string[] };
    for (let id = newer.id; id !== older.id; ) {
      const set = sets.get(id);
      if (!set || scope.rowsOf.length + scope.changesOf.length >= MAX_CHANGE_SETS) return undefined;
      (set.ownRows ? scope.rowsOf : scope.changesOf).push(id);
      id = set.sinceSnapshotId;
    }
    return scope;
  }

  async function scopeOf(from: SnapshotRow, to: SnapshotRow, objects: readonly string[]): Promise<ChangeScope> {
    const oldChain = await storage.chain(from);
    const newChain = await storage.chain(to);
    const [older, newer] = from.sequence <= to.sequence ? [from, to] : [to, from];
    const recorded = older.id === newer.id ? { rowsOf: [], changesOf: [] } : await changeSetsBetween(older, newer);
    if (recorded) return { oldChain, newChain, objects, ...recorded };
    // Nothing links them: every row of the snapshots one chain holds and the other does not can differ.
    const inOld = new Set(oldChain);
    const inNew = new Set(newChain);
    const rowsOf = [...oldChain.filter((id) => !inNew.has(id)), ...newChain.filter((id) => !inOld.has(id))];
    return { oldChain, newChain, objects, rowsOf, changesOf: [] };
  }

  /** Opens both versions of the page's records, object by object, for their field changes. */
  async function withFields(compared: Comparison, rows: ChangedRow[]): Promise<RecordChange[]> {
    const byObject = new Map<string, string[]>();
    for (const row of rows) byObject.set(row.object, [...(byObject.get(row.object) ?? []), row.recordId]);
    const versions = new Map<string, { before?: SalesforceRecord; after?: SalesforceRecord }>();
    for (const [object, ids] of byObject) {
      for (const record of await (await storage.recordReader(compared.from, object))(ids)) versions.set(record.recordId, { before: record.data });
      for (const record of await (await storage.recordReader(compared.to, object))(ids)) {
        versions.set(record.recordId, { ...versions.get(record.recordId), after: record.data });
      }
    }
    return rows.map((row) => {
      const { before, after } = versions.get(row.recordId) ?? {};
      return { ...row, fields: fieldChanges(before, after), restoreFrom: row.kind === 'CREATED' ? compared.to : compared.from };
    });
  }

  return {
    comparison,

    /** Two snapshots the viewer may read, compared from `fromId` to `toId`. */
    compare: async (viewer: Viewer, fromId: string, toId: string): Promise<Comparison> => comparison(await snapshots.get(viewer, fromId), await snapshots.get(viewer, toId)),

    counts: async (compared: Comparison): Promise<ObjectChanges[]> => changeCounts(changes, await scopeOf(compared.from, compared.to, compared.objects)),

    async changes(compared: Comparison, request: ChangesRequest): Promise<Page<RecordChange>> {
      const size = pageSize(request, CHANGES_PAGE_SIZE);
      if (request.object && !compared.objects.includes(request.object)) {
        throw new InvalidInputError(`${request.object} is not an object both snapshots hold complete`, 'object', [request.object]);
      }
      const after = request.after ? decodeCursor('changes', request.after, ['string', 'string'] as const) : null;
      const rows = await changesPage(changes, await scopeOf(compared.from, compared.to, compared.objects), {
        object: request.object ?? null,
        kinds: request.kinds?.length ? request.kinds : CHANGE_KINDS,
        after: after && { object: after[0], recordId: after[1] },
        limit: size + 1,
      });
      const page = pageOf(rows, size, request, (row) => encodeCursor('changes', row.object, row.recordId));
      return { ...page, rows: await withFields(compared, page.rows) };
    },

    /** Every changed record of one object, of the given kinds, a slice at a time (for a restore of them). */
    async *changedIds(compared: Comparison, object: string, kinds: readonly ChangeKind[]): AsyncGenerator<string[]> {
      const scope = await scopeOf(compared.from, compared.to, compared.objects);
      let after: RecordKey | null = null;
      for (;;) {
        const slice = await changes.scan(scope, object, after);
        yield slice.changed.filter((row) => kinds.includes(row.kind)).map((row) => row.recordId);
        if (slice.done || !slice.last) return;
        after = slice.last;
      }
    },

    /**
     * Notes what a new snapshot changed since the previous one, so comparisons across it look only
     * at those records; returns the previous snapshot (none for an instance's first). A full
     * snapshot is compared hash by hash once, a slice at a time with the event loop free between.
     */
    async recordChanges(snapshot: SnapshotRow): Promise<SnapshotRow | undefined> {
      const previous = await changes.previousComplete(snapshot);
      if (!previous) return undefined;
      const ownRows = snapshot.baseSnapshotId === previous.id;
      if (!ownRows) {
        // Every object either snapshot has, skipped ones too: a later comparison may hold them complete.
        const objects = [...new Set((await storage.objectsOf([previous.id, snapshot.id])).map((o) => o.name))];
        const scope = await scopeOf(previous, snapshot, objects);
        let after: RecordKey | null = null;
        for (;;) {
          const slice = await changes.scan(scope, null, after);
          await changes.storeChanges(snapshot.id, slice.changed);
          if (slice.done || !slice.last) break;
          after = slice.last;
          await setImmediate();
        }
      }
      await changes.noteChangeSet({ snapshotId: snapshot.id, sinceSnapshotId: previous.id, ownRows });
      return previous;
    },
  };
}

export type CompareService = ReturnType<typeof createCompareService>;
