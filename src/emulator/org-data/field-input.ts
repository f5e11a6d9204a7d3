/** Incoming field values checked and converted to stored values, with Salesforce's errors. */
import { canonicalId15 } from './ids.ts';
import { isIdText } from './field-defs.ts';
import type { FieldDef } from './objects.ts';
import { entityIsDeleted, RecordError } from './save-errors.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { parseDate, parseDatetime } from './values.ts';

export type WriteMode = 'create' | 'update';

/** Keys that name the record rather than a field: never written. */
const RESERVED_KEYS = new Set(['attributes', 'id']);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function wrongType(f: FieldDef, value: unknown): RecordError {
  const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return new RecordError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${f.label}: value not of required type: ${shown}`, [f.name]);
}

function coerce(store: OrgStore, f: FieldDef, value: unknown): StoredValue {
  if (value === null || value === undefined) return f.type === 'boolean' ? false : null;
  switch (f.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw wrongType(f, value);
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) throw wrongType(f, value);
      return f.scale > 0 ? Math.round(n * 10 ** f.scale) / 10 ** f.scale : n;
    }
    case 'date': {
      const date = typeof value === 'string' ? parseDate(value) : null;
      if (date === null) throw wrongType(f, value);
      return date;
    }
    case 'datetime': {
      const ms = typeof value === 'string' ? parseDatetime(value) : null;
      if (ms === null) throw wrongType(f, value);
      return ms;
    }
    case 'reference':
      return isIdText(f) ? coercePolymorphic(store, f, value) : coerceReference(store, f, value);
    case 'base64': {
      if (typeof value !== 'string' || !BASE64.test(value)) throw wrongType(f, value);
      return value === '' ? null : value;
    }
    default: {
      if (typeof value === 'object') throw wrongType(f, value);
      const text = String(value);
      if (text.length > f.length) {
        throw new RecordError('STRING_TOO_LONG', `${f.label}: data value too large: ${text} (max length=${f.length})`, [f.name]);
      }
      if (f.type === 'email' && text !== '' && !EMAIL.test(text)) {
        throw new RecordError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${text}`, [f.name]);
      }
      if (f.restrictedPicklist && !f.picklistValues.includes(text)) {
        throw new RecordError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${text}`, [f.name]);
      }
      return text === '' ? null : text;
    }
  }
}

/** A polymorphic lookup names a live record of one of its objects; stored as the 18-character id. */
function coercePolymorphic(store: OrgStore, f: FieldDef, value: unknown): StoredValue {
  if (typeof value !== 'string') throw wrongType(f, value);
  if (value === '') return null;
  const ref = store.resolve(value);
  if (!ref || !f.referenceTo.includes(ref.table.name)) {
    throw new RecordError('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${value}`, [f.name]);
  }
  if (ref.table.isDeleted(ref.row)) {
    const error = entityIsDeleted();
    error.errors[0].fields = [f.name];
    throw error;
  }
  return ref.table.codec.format(ref.row);
}

/** A lookup must name a live record of the referenced object; stored as its row. */
function coerceReference(store: OrgStore, f: FieldDef, value: unknown): StoredValue {
  if (typeof value !== 'string') throw wrongType(f, value);
  if (value === '') return null;
  const id15 = canonicalId15(value);
  if (!id15) throw new RecordError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${value}`, [f.name]);
  const target = store.table(f.referenceTo[0])!;
  if (id15.slice(0, 3) !== target.codec.keyPrefix) {
    throw new RecordError('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${value}`, [f.name]);
  }
  const row = target.codec.rowOf(id15);
  if (row < 0 || row >= target.length) {
    throw new RecordError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
  }
  if (target.isDeleted(row)) {
    const error = entityIsDeleted();
    error.errors[0].fields = [f.name];
    throw error;
  }
  return row;
}

/** Field index → stored value for the input's fields; throws the record's first error. */
export function readInput(store: OrgStore, table: Table, input: Record<string, unknown>, mode: WriteMode): Map<number, StoredValue> {
  const changes = new Map<number, StoredValue>();
  const readOnly: string[] = [];
  for (const key of Object.keys(input)) {
    if (RESERVED_KEYS.has(key.toLowerCase())) {
      if (mode === 'create' && key.toLowerCase() === 'id' && input[key] != null) {
        throw new RecordError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
      }
      continue;
    }
    const index = table.fieldIndex(key);
    if (index < 0) throw new RecordError('INVALID_FIELD', `No such column '${key}' on sobject of type ${table.name}`, [key]);
    const f = table.fields[index];
    if (mode === 'create' ? !f.createable : !f.updateable) {
      readOnly.push(f.name);
      continue;
    }
    changes.set(index, coerce(store, f, input[key]));
  }
  if (readOnly.length > 0) {
    throw new RecordError(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to ${mode} fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  return changes;
}

/** Required fields missing (create) or blanked (update). */
export function checkRequired(table: Table, changes: Map<number, StoredValue>, mode: WriteMode): void {
  const missing: string[] = [];
  table.fields.forEach((f, i) => {
    if (f.nillable || !f.createable || f.type === 'boolean') return;
    if (mode === 'create' ? !f.defaultedOnCreate && (changes.get(i) ?? null) === null : changes.has(i) && changes.get(i) === null) {
      missing.push(f.name);
    }
  });
  if (missing.length > 0) {
    throw new RecordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }
}
