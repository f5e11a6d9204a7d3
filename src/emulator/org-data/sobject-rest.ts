/** Single-record endpoints: `/sobjects/X`, `/sobjects/X/{id}`, `/sobjects/X/{extIdField}/{value}`. */
import type { EmulatorResponse } from '../types.ts';
import type { WriteContext } from './automation.ts';
import { apiError, notFound } from './errors.ts';
import { canonicalId15 } from './ids.ts';
import { Mutator, Transaction } from './mutations.ts';
import { JSON_CONTENT_TYPE } from './query-rest.ts';
import { fullRecordWriter } from './records-json.ts';
import { RecordError } from './save-errors.ts';
import type { OrgStore } from './store.ts';
import type { Table } from './table.ts';

/** Per-record errors of a single-record call become the request's error body. */
function failure(err: unknown, status = 400): EmulatorResponse {
  if (!(err instanceof RecordError)) throw err;
  return {
    status,
    body: err.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })),
  };
}

function asInput(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

const badBody = () => apiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');

export class SObjectRest {
  private readonly mutator: Mutator;

  constructor(private readonly store: OrgStore) {
    this.mutator = new Mutator(store);
  }

  create(table: Table, body: unknown, context: WriteContext): EmulatorResponse {
    const input = asInput(body);
    if (!input) return badBody();
    try {
      const row = this.mutator.create(table, input, new Transaction(), context);
      return { status: 201, body: { id: table.codec.format(row), success: true, errors: [] } };
    } catch (err) {
      return failure(err);
    }
  }

  /** The live row an id names in this table, or the 404 Salesforce answers. */
  private rowOf(table: Table, id: string): number | EmulatorResponse {
    const id15 = canonicalId15(id);
    const ref = id15 ? this.store.resolve(id15) : undefined;
    if (!ref || ref.table !== table) return notFound();
    if (table.isDeleted(ref.row)) return apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return ref.row;
  }

  retrieve(table: Table, id: string, fields: string | null, version: string): EmulatorResponse {
    const row = this.rowOf(table, id);
    if (typeof row !== 'number') return row.status === 404 ? notFound() : row;
    return this.writeRecord(table, row, fields, version);
  }

  private writeRecord(table: Table, row: number, fields: string | null, version: string): EmulatorResponse {
    let indexes: number[] | undefined;
    if (fields) {
      indexes = fields.split(',').map((name) => table.fieldIndex(name.trim()));
      const bad = indexes.indexOf(-1);
      if (bad >= 0) return apiError(400, 'INVALID_FIELD', `No such column '${fields.split(',')[bad]}' on entity '${table.name}'`);
    }
    const body = fullRecordWriter(this.store, table, version, indexes)(row);
    return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body };
  }

  update(table: Table, id: string, body: unknown, context: WriteContext): EmulatorResponse {
    const input = asInput(body);
    if (!input) return badBody();
    const row = this.rowOf(table, id);
    if (typeof row !== 'number') return row;
    try {
      this.mutator.update(table, row, input, new Transaction(), context);
      return { status: 204 };
    } catch (err) {
      return failure(err);
    }
  }

  delete(table: Table, id: string): EmulatorResponse {
    const row = this.rowOf(table, id);
    if (typeof row !== 'number') return row;
    this.mutator.delete([{ table, row }], new Transaction());
    return { status: 204 };
  }

  /** `PATCH /sobjects/X/{field}/{value}`: 201 when created, 200 when updated. */
  upsert(table: Table, fieldName: string, value: string, body: unknown, context: WriteContext): EmulatorResponse {
    const field = table.fieldIndex(fieldName);
    const f = table.fields[field];
    if (!f || !(f.externalId || f.type === 'id')) {
      return apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
    }
    const input = asInput(body);
    if (!input) return badBody();
    try {
      const { row, created } = this.mutator.upsert(table, field, { ...input, [f.name]: value }, new Transaction(), context);
      return { status: created ? 201 : 200, body: { id: table.codec.format(row), success: true, errors: [], created } };
    } catch (err) {
      return failure(err);
    }
  }

  retrieveByExternalId(table: Table, fieldName: string, value: string, fields: string | null, version: string): EmulatorResponse {
    const field = table.fieldIndex(fieldName);
    const f = table.fields[field];
    if (!f || !f.externalId) return notFound();
    const row = table.findByExternalId(field, value);
    return row < 0 ? notFound() : this.writeRecord(table, row, fields, version);
  }
}
