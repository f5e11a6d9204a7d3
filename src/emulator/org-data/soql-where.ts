/** WHERE clauses compiled to row predicates over stored values. */
import type { Condition, WhereClause } from '@jetstreamapp/soql-parser-js';
import { isIdText } from './field-defs.ts';
import { canonicalId15 } from './ids.ts';
import { resolveField, type FieldPath } from './soql-fields.ts';
import { soqlError } from './soql-errors.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { formatDate, parseDate, parseDatetime } from './values.ts';

export type RowPredicate = (row: number) => boolean;

interface CompileContext {
  store: OrgStore;
  table: Table;
  soql: string;
  now: number;
}

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { condition: Condition };

/** The parser keeps conditions in a right-leaning chain with paren counts; flatten it to tokens. */
interface WhereNode {
  left: Condition | null;
  operator?: string;
  right?: WhereNode;
}

function tokens(clause: WhereClause | WhereNode | undefined, out: Token[] = []): Token[] {
  const where = clause as WhereNode | undefined;
  if (!where) return out;
  if (where.left === null && where.operator === 'NOT') {
    out.push('NOT');
    return tokens(where.right, out);
  }
  const left = where.left as Condition & { openParen?: number; closeParen?: number };
  for (let i = 0; i < (left.openParen ?? 0); i++) out.push('(');
  out.push({ condition: left });
  for (let i = 0; i < (left.closeParen ?? 0); i++) out.push(')');
  if (where.operator && where.right) {
    out.push(where.operator as 'AND' | 'OR');
    tokens(where.right, out);
  }
  return out;
}

export function compileWhere(where: WhereClause, ctx: CompileContext): RowPredicate {
  const list = tokens(where);
  let pos = 0;
  const fail = (): never => {
    throw soqlError('MALFORMED_QUERY', ctx.soql, 'WHERE', 'unexpected token in WHERE clause');
  };
  const parseOr = (): RowPredicate => {
    let left = parseAnd();
    while (list[pos] === 'OR') {
      pos++;
      const a = left;
      const b = parseAnd();
      left = (row) => a(row) || b(row);
    }
    return left;
  };
  const parseAnd = (): RowPredicate => {
    let left = parseUnary();
    while (list[pos] === 'AND') {
      pos++;
      const a = left;
      const b = parseUnary();
      left = (row) => a(row) && b(row);
    }
    return left;
  };
  const parseUnary = (): RowPredicate => {
    const token = list[pos++];
    if (token === 'NOT') {
      const inner = parseUnary();
      return (row) => !inner(row);
    }
    if (token === '(') {
      const inner = parseOr();
      if (list[pos++] !== ')') fail();
      return inner;
    }
    if (token && typeof token === 'object') return compileCondition(token.condition, ctx);
    return fail();
  };
  const predicate = parseOr();
  if (pos !== list.length) fail();
  return predicate;
}

function unquote(literal: string): string {
  return literal
    .slice(1, -1)
    .replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' })[c] ?? c);
}

const DAY = 86_400_000;

/** A relative date literal as a [start, end) range of epoch ms (UTC days). */
function dateLiteralRange(literal: string, now: number): [number, number] | null {
  const today = Math.floor(now / DAY) * DAY;
  const [name, arg] = literal.toUpperCase().split(':');
  const n = Number(arg);
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - n * DAY, today - (n - 1) * DAY];
    default:
      return null;
  }
}

type Kind = 'id' | 'text' | 'number' | 'boolean' | 'date' | 'datetime';

function kindOf(path: FieldPath): Kind {
  switch (path.field.type) {
    case 'id':
      return 'id';
    case 'reference':
      return isIdText(path.field) ? 'text' : 'id';
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}

const NEVER = -2;

function compileCondition(condition: Condition, ctx: CompileContext): RowPredicate {
  const c = condition as Condition & {
    field?: string;
    operator: string;
    value?: string | string[];
    literalType?: string | string[];
    valueQuery?: unknown;
    fn?: unknown;
  };
  if (!c.field || c.fn || c.valueQuery) {
    throw soqlError('MALFORMED_QUERY', ctx.soql, undefined, 'This emulator supports field comparisons with literal values only');
  }
  const path = resolveField(ctx.store, ctx.table, c.field, ctx.soql);
  const kind = kindOf(path);
  const operator = c.operator.toUpperCase();
  const name = path.field.name;
  const values = Array.isArray(c.value) ? c.value : [c.value ?? ''];
  const types = Array.isArray(c.literalType) ? c.literalType : values.map(() => c.literalType as string);

  const typeError = (expected: string) =>
    soqlError(
      'INVALID_FIELD',
      ctx.soql,
      c.field,
      `value of filter criterion for field '${name}' must be of type ${expected} and should not be enclosed in quotes`,
    );

  // Date literals on dates and datetimes compare against a whole range.
  if (!Array.isArray(c.value) && (c.literalType === 'DATE_LITERAL' || c.literalType === 'DATE_N_LITERAL')) {
    if (kind !== 'date' && kind !== 'datetime') throw typeError(kind === 'number' ? 'double' : 'string');
    const range = dateLiteralRange(c.value as string, ctx.now);
    if (!range) throw soqlError('MALFORMED_QUERY', ctx.soql, c.value, `unsupported date literal: ${c.value}`);
    const [lo, hi]: [StoredValue, StoredValue] = kind === 'date' ? [formatDate(range[0]), formatDate(range[1])] : range;
    return rangePredicate(path, operator, lo as number, hi as number, ctx, c.field);
  }

  const converted = values.map((raw, i) => {
    const type = (types[i] ?? '').toUpperCase();
    if (type === 'NULL') return null;
    switch (kind) {
      case 'id': {
        if (type !== 'STRING') throw typeError('id');
        const text = unquote(raw);
        const id15 = canonicalId15(text);
        if (!id15) throw soqlError('INVALID_QUERY_FILTER_OPERATOR', ctx.soql, raw, `invalid ID field: ${text}`);
        const target = path.field.type === 'id' ? path.table : ctx.store.table(path.field.referenceTo[0])!;
        const row = target.codec.rowOf(id15);
        return row < 0 ? NEVER : row;
      }
      case 'text':
        if (type !== 'STRING') throw typeError('string');
        return unquote(raw).toLowerCase();
      case 'number':
        if (!/^(INTEGER|DECIMAL)/.test(type)) throw typeError('double');
        return Number(raw.replace(/^[A-Z]{3}/, ''));
      case 'boolean':
        if (type !== 'BOOLEAN') throw typeError('boolean');
        return raw.toUpperCase() === 'TRUE';
      case 'date': {
        const date = type === 'DATE' ? parseDate(raw) : null;
        if (date === null) throw typeError('date');
        return date;
      }
      case 'datetime': {
        const ms = type === 'DATETIME' ? parseDatetime(raw) : null;
        if (ms === null) throw typeError('dateTime');
        return ms;
      }
    }
  });

  const read = path.read;
  const normalise: (v: StoredValue) => StoredValue =
    kind === 'text' ? (v) => (v === null ? null : (v as string).toLowerCase()) : (v) => v;

  if (operator === 'IN' || operator === 'NOT IN') {
    const set = new Set(converted);
    const negate = operator === 'NOT IN';
    return (row) => set.has(normalise(read(row))) !== negate;
  }
  const target = converted[0];
  if (operator === 'LIKE') {
    if (kind !== 'text' || typeof target !== 'string') throw typeError('string');
    const pattern = new RegExp(
      '^' + target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.') + '$',
      's',
    );
    return (row) => {
      const v = normalise(read(row));
      return v !== null && pattern.test(v as string);
    };
  }
  if (target === null) {
    if (operator === '=') return (row) => read(row) === null;
    if (operator === '!=' || operator === '<>') return (row) => read(row) !== null;
    throw soqlError('MALFORMED_QUERY', ctx.soql, c.field, `invalid operator on null: ${operator}`);
  }
  switch (operator) {
    case '=':
      return (row) => normalise(read(row)) === target;
    case '!=':
    case '<>':
      return (row) => normalise(read(row)) !== target;
    case '<':
      return (row) => { const v = normalise(read(row)); return v !== null && v < target; };
    case '<=':
      return (row) => { const v = normalise(read(row)); return v !== null && v <= target; };
    case '>':
      return (row) => { const v = normalise(read(row)); return v !== null && v > target; };
    case '>=':
      return (row) => { const v = normalise(read(row)); return v !== null && v >= target; };
    default:
      throw soqlError('MALFORMED_QUERY', ctx.soql, operator, `unexpected token: ${operator}`);
  }
}

function rangePredicate(path: FieldPath, operator: string, lo: number, hi: number, ctx: CompileContext, token: string): RowPredicate {
  const read = path.read as (row: number) => number | null;
  switch (operator) {
    case '=':
      return (row) => { const v = read(row); return v !== null && v >= lo && v < hi; };
    case '!=':
    case '<>':
      return (row) => { const v = read(row); return v === null || v < lo || v >= hi; };
    case '<':
      return (row) => { const v = read(row); return v !== null && v < lo; };
    case '<=':
      return (row) => { const v = read(row); return v !== null && v < hi; };
    case '>':
      return (row) => { const v = read(row); return v !== null && v >= hi; };
    case '>=':
      return (row) => { const v = read(row); return v !== null && v >= lo; };
    default:
      throw soqlError('MALFORMED_QUERY', ctx.soql, token, `unexpected operator for a date literal: ${operator}`);
  }
}
