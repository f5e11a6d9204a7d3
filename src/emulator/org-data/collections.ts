/** Composite sObject collections: up to 200 records per call, per-record results, allOrNone. */
import type { EmulatorResponse } from '../types.ts';
import type { WriteContext } from './automation.ts';
import { apiError } from './errors.ts';
import { Mutator, Transaction } from './mutations.ts';
import { liveRecord } from './record-refs.ts';
import { fullRecordWriter } from './records-json.ts';
import { RecordError, rolledBack, type SaveError } from './save-errors.ts';
import type { OrgStore, RecordRef } from './store.ts';
import type { Table } from './table.ts';
import { JSON_CONTENT_TYPE } from './query-rest.ts';
import { canonicalId15 } from './ids.ts';

export const MAX_COLLECTION_SIZE = 200;

export interface SaveResult {
  id?: string;
  success: boolean;
  errors: SaveError[];
  created?: boolean;
}

type Outcome = { ok: true; result: SaveResult } | { ok: false; id?: string; errors: SaveError[] };

const tooMany = () =>
  apiError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION_SIZE} records into this call`);

function attempt(tx: Transaction, run: () => SaveResult, id?: string): Outcome {
  try {
    return { ok: true, result: run() };
  } catch (err) {
    if (err instanceof RecordError) return { ok: false, id, errors: err.errors };
    throw err;
  }
}

/** Results in input order; with allOrNone one failure undoes everything. */
function finish(outcomes: Outcome[], allOrNone: boolean, tx: Transaction): SaveResult[] {
  const failed = outcomes.some((o) => !o.ok);
  if (allOrNone && failed) tx.rollback();
  return outcomes.map((o) => {
    if (!o.ok) return { ...(o.id ? { id: o.id } : {}), success: false, errors: o.errors };
    if (allOrNone && failed) {
      // A rolled-back insert has no id; a rolled-back update or delete keeps the record's.
      const inserted = o.result.created ?? insertedIds.has(o.result);
      return { ...(inserted ? {} : { id: o.result.id }), success: false, errors: [rolledBack()] };
    }
    return o.result;
  });
}

/** Results of plain creates (upserts say `created` themselves). */
const insertedIds = new WeakSet<SaveResult>();

interface CollectionBody {
  allOrNone?: boolean;
  records?: Record<string, unknown>[];
}

function readBody(body: unknown): { allOrNone: boolean; records: Record<string, unknown>[] } | EmulatorResponse {
  const b = body as CollectionBody | null;
  if (!b || !Array.isArray(b.records)) return apiError(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array');
  if (b.records.length > MAX_COLLECTION_SIZE) return tooMany();
  return { allOrNone: b.allOrNone === true, records: b.records };
}

function typeOf(store: OrgStore, record: Record<string, unknown>): Table {
  const type = (record.attributes as { type?: string } | undefined)?.type;
  const table = type ? store.table(type) : undefined;
  if (!table || table.object.readOnly) {
    throw new RecordError('INVALID_TYPE', type ? `sObject type '${type}' is not supported.` : 'Each record must have an sObject type in attributes');
  }
  return table;
}

export class Collections {
  private readonly mutator: Mutator;

  constructor(private readonly store: OrgStore) {
    this.mutator = new Mutator(store);
  }

  create(body: unknown, context: WriteContext): EmulatorResponse {
    const input = readBody(body);
    if ('status' in input) return input;
    const tx = new Transaction();
    const outcomes = input.records.map((record) =>
      attempt(tx, () => {
        const table = typeOf(this.store, record);
        const row = this.mutator.create(table, record, tx, context);
        const result = { id: table.codec.format(row), success: true, errors: [] };
        insertedIds.add(result);
        return result;
      }),
    );
    return { status: 200, body: finish(outcomes, input.allOrNone, tx) };
  }

  update(body: unknown, context: WriteContext): EmulatorResponse {
    const input = readBody(body);
    if ('status' in input) return input;
    const tx = new Transaction();
    const outcomes = input.records.map((record) => {
      const id = (record.id ?? record.Id) as string | undefined;
      const knownId = typeof id === 'string' && canonicalId15(id) ? id : undefined;
      return attempt(
        tx,
        () => {
          const table = typeOf(this.store, record);
          const ref = liveRecord(this.store, id, table);
          this.mutator.update(table, ref.row, record, tx, context);
          return { id: table.codec.format(ref.row), success: true, errors: [] };
        },
        knownId,
      );
    });
    return { status: 200, body: finish(outcomes, input.allOrNone, tx) };
  }

  upsert(objectName: string, externalFieldName: string, body: unknown, context: WriteContext): EmulatorResponse {
    const table = this.store.table(objectName);
    if (!table || table.object.readOnly) return apiError(404, 'NOT_FOUND', `The requested resource does not exist`);
    const externalField = table.fieldIndex(externalFieldName);
    const f = table.fields[externalField];
    if (!f || !(f.externalId || f.type === 'id')) {
      return apiError(400, 'INVALID_FIELD', `Field name provided, ${externalFieldName} is not an External ID or indexed field for ${table.name}`);
    }
    const input = readBody(body);
    if ('status' in input) return input;
    const tx = new Transaction();
    const outcomes = input.records.map((record) =>
      attempt(tx, () => {
        const type = typeOf(this.store, record);
        if (type !== table) throw new RecordError('INVALID_TYPE', `Record type ${type.name} does not match ${table.name}`);
        const { row, created } = this.mutator.upsert(table, externalField, record, tx, context);
        return { id: table.codec.format(row), success: true, errors: [], created };
      }),
    );
    return { status: 200, body: finish(outcomes, input.allOrNone, tx) };
  }

  delete(query: URLSearchParams): EmulatorResponse {
    const ids = (query.get('ids') ?? '').split(',').filter((id) => id !== '');
    if (ids.length === 0) return apiError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > MAX_COLLECTION_SIZE) return tooMany();
    const allOrNone = query.get('allOrNone') === 'true';
    const tx = new Transaction();
    const seen = new Set<string>();
    const targets: RecordRef[] = [];
    const outcomes = ids.map((id) =>
      attempt(
        tx,
        () => {
          const ref = liveRecord(this.store, id);
          const key = `${ref.table.name}:${ref.row}`;
          if (seen.has(key)) throw new RecordError('ENTITY_IS_DELETED', 'entity is deleted');
          seen.add(key);
          targets.push(ref);
          return { id: ref.table.codec.format(ref.row), success: true, errors: [] };
        },
        canonicalId15(id) ? id : undefined,
      ),
    );
    const failed = outcomes.some((o) => !o.ok);
    if (!(allOrNone && failed)) this.mutator.delete(targets, tx);
    return { status: 200, body: finish(outcomes, allOrNone, tx) };
  }

  /** `POST /composite/sobjects/X {ids, fields}`: records in id order, null where not found. */
  retrieve(objectName: string, ids: string[], fields: string[] | undefined, version: string): EmulatorResponse {
    const table = this.store.table(objectName);
    if (!table) return apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (ids.length > 2000) return tooMany();
    const indexes = (fields ?? table.fields.map((f) => f.name)).map((name) => table.fieldIndex(name));
    const unknown = (fields ?? [])[indexes.indexOf(-1)];
    if (indexes.includes(-1)) return apiError(400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${table.name}'`);
    const write = fullRecordWriter(this.store, table, version, indexes);
    const records = ids.map((id) => {
      const ref = this.store.resolve(id);
      return ref && ref.table === table && !table.isDeleted(ref.row) ? write(ref.row) : 'null';
    });
    return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: `[${records.join(',')}]` };
  }
}
