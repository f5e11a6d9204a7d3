/** SOQL text to a query plan: selected fields, row predicate, order, limit. */
import { parseQuery, type Query } from '@jetstreamapp/soql-parser-js';
import { ApiError } from './errors.ts';
import { soqlError, unsupportedObject } from './soql-errors.ts';
import { resolveField, type FieldPath } from './soql-fields.ts';
import { compileWhere, type RowPredicate } from './soql-where.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';

export interface OrderKey {
  path: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface QueryPlan {
  table: Table;
  /** Selected fields in SELECT order; empty for `COUNT()`. */
  columns: FieldPath[];
  countOnly: boolean;
  predicate: RowPredicate | null;
  orderBy: OrderKey[];
  limit: number | undefined;
  offset: number;
}

function parse(soql: string): Query {
  try {
    return parseQuery(soql);
  } catch (err) {
    const found = /but found[:\s-]*>?\s*'([^']*)'/.exec((err as Error).message)?.[1];
    throw soqlError('MALFORMED_QUERY', soql, found || undefined, found ? `unexpected token: '${found}'` : 'unexpected end of query');
  }
}

/** Whether a WHERE clause compares one of the fields (by name, anywhere in it). */
function filtersOn(where: Query['where'], fields: string[]): boolean {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  for (let clause = where; clause; clause = (clause as { right?: Query['where'] }).right) {
    const field = (clause.left as { field?: string } | undefined)?.field;
    if (field && wanted.has(field.toLowerCase())) return true;
  }
  return false;
}

export function planQuery(soql: string, store: OrgStore, now: number): QueryPlan {
  const query = parse(soql);
  if (!query.sObject) throw soqlError('MALFORMED_QUERY', soql, undefined, 'unexpected token: FROM');
  const table = store.table(query.sObject);
  if (!table || !table.object.queryable) throw unsupportedObject(soql, query.sObject);
  const restriction = table.object.restriction;
  if (restriction && !filtersOn(query.where, restriction.filterFields)) {
    throw new ApiError(400, restriction.errorCode, restriction.message);
  }
  if (query.groupBy || query.having) {
    throw soqlError('MALFORMED_QUERY', soql, 'GROUP BY', 'GROUP BY is not supported by this emulator');
  }

  let countOnly = false;
  const columns: FieldPath[] = [];
  const seen = new Set<string>();
  const add = (path: FieldPath, token: string) => {
    const key = `${path.via?.relationshipName ?? ''}.${path.field.name}`.toLowerCase();
    if (seen.has(key)) throw soqlError('MALFORMED_QUERY', soql, token, `duplicate field selected: ${path.field.name}`);
    seen.add(key);
    columns.push(path);
  };
  for (const f of query.fields ?? []) {
    if (f.type === 'Field' || f.type === 'FieldRelationship') {
      const path = f.type === 'Field' ? f.field : f.rawValue ?? [...f.relationships, f.field].join('.');
      add(resolveField(store, table, path, soql), path);
    } else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'COUNT' && f.parameters.length === 0) {
      countOnly = true;
    } else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'FIELDS') {
      const which = String(f.parameters[0] ?? '').toUpperCase();
      for (const field of table.fields) {
        if (which === 'CUSTOM' && !field.custom) continue;
        if (which === 'STANDARD' && field.custom) continue;
        if (!seen.has(`.${field.name.toLowerCase()}`)) add(resolveField(store, table, field.name, soql), field.name);
      }
    } else {
      const token = 'rawValue' in f ? (f.rawValue) : undefined;
      throw soqlError('MALFORMED_QUERY', soql, token, 'Only plain fields, parent fields, FIELDS() and COUNT() are supported by this emulator');
    }
  }
  if (countOnly && columns.length > 0) {
    throw soqlError('MALFORMED_QUERY', soql, 'COUNT', 'COUNT() may only be used alone in the SELECT list');
  }

  const predicate = query.where ? compileWhere(query.where, { store, table, soql, now }) : null;
  const orderBy: OrderKey[] = [];
  const orderClauses = (Array.isArray(query.orderBy) ? query.orderBy : query.orderBy ? [query.orderBy] : []) as {
    field?: string;
    order?: string;
    nulls?: string;
  }[];
  for (const o of orderClauses) {
    if (!o.field) throw soqlError('MALFORMED_QUERY', soql, 'ORDER BY', 'ORDER BY supports fields only');
    const descending = o.order?.toUpperCase() === 'DESC';
    orderBy.push({
      path: resolveField(store, table, o.field, soql),
      descending,
      nullsLast: o.nulls ? o.nulls.toUpperCase() === 'LAST' : descending,
    });
  }
  return { table, columns, countOnly, predicate, orderBy, limit: query.limit, offset: query.offset ?? 0 };
}

function sortKey(value: StoredValue): string | number | null {
  if (value === null) return null;
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function compareRows(keys: OrderKey[], values: (string | number | null)[][], a: number, b: number, ia: number, ib: number): number {
  for (let k = 0; k < keys.length; k++) {
    const va = values[k][ia];
    const vb = values[k][ib];
    if (va === vb) continue;
    if (va === null) return keys[k].nullsLast ? 1 : -1;
    if (vb === null) return keys[k].nullsLast ? -1 : 1;
    const cmp = va < vb ? -1 : 1;
    return keys[k].descending ? -cmp : cmp;
  }
  return a - b;
}

/** Row numbers matching the plan, in result order, LIMIT and OFFSET applied. */
export function selectRows(plan: QueryPlan, includeDeleted: boolean): Int32Array {
  const { table, predicate } = plan;
  const deletedField = table.isDeletedField;
  let rows = new Int32Array(table.length);
  let count = 0;
  for (let row = 0; row < table.length; row++) {
    if (table.get(row, deletedField) === true && (!includeDeleted || table.isPurged(row))) continue;
    if (predicate && !predicate(row)) continue;
    rows[count++] = row;
  }
  rows = rows.subarray(0, count);
  if (plan.orderBy.length > 0) {
    // Read each sort key once per row, then sort positions.
    const values = plan.orderBy.map((key) => Array.from(rows, (row) => sortKey(key.path.read(row))));
    const positions = Array.from({ length: count }, (_, i) => i);
    positions.sort((i, j) => compareRows(plan.orderBy, values, rows[i], rows[j], i, j));
    rows = Int32Array.from(positions, (i) => rows[i]);
  }
  const end = plan.limit === undefined ? rows.length : Math.min(rows.length, plan.offset + plan.limit);
  return rows.subarray(Math.min(plan.offset, rows.length), end);
}
