/** Records as REST JSON text, written straight from the columns (no intermediate objects). */
import { isIdText } from './field-defs.ts';
import type { FieldDef } from './objects.ts';
import type { FieldPath } from './soql-fields.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { formatDatetime } from './values.ts';

type Formatter = (value: StoredValue) => string;

export function jsonFormatter(store: OrgStore, table: Table, field: FieldDef): Formatter {
  switch (field.type) {
    case 'id':
      return (v) => (v === null ? 'null' : `"${table.codec.format(v as number)}"`);
    case 'reference': {
      if (isIdText(field)) return (v) => (v === null ? 'null' : `"${v as string}"`);
      const target = store.table(field.referenceTo[0])!;
      return (v) => (v === null ? 'null' : `"${target.codec.format(v as number)}"`);
    }
    case 'datetime':
      return (v) => (v === null ? 'null' : `"${formatDatetime(v as number)}"`);
    case 'boolean':
      return (v) => (v ? 'true' : 'false');
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return (v) => (v === null ? 'null' : String(v));
    default:
      return (v) => (v === null ? 'null' : JSON.stringify(v));
  }
}

function attributesPrefix(table: Table, version: string): (row: number) => string {
  const head = `{"attributes":{"type":"${table.name}","url":"/services/data/v${version}/sobjects/${table.name}/`;
  return (row) => `${head}${table.codec.format(row)}"}`;
}

/** Writes one record: attributes first, then the selected fields in order; parent fields nest. */
export function recordWriter(store: OrgStore, table: Table, columns: FieldPath[], version: string): (row: number) => string {
  const head = attributesPrefix(table, version);
  const parts: ((row: number) => string)[] = [];
  const groups = new Map<string, FieldPath[]>();
  for (const path of columns) {
    if (!path.via && path.field.type === 'base64') {
      const key = `,"${path.field.name}":`;
      const index = path.fieldIndex;
      const base = `"/services/data/v${version}/sobjects/${table.name}/`;
      parts.push((row) => key + (table.get(row, index) === null ? 'null' : `${base}${table.codec.format(row)}/${path.field.name}"`));
      continue;
    }
    if (!path.via) {
      const key = `,"${path.field.name}":`;
      const format = jsonFormatter(store, path.table, path.field);
      const index = path.fieldIndex;
      parts.push((row) => key + format(table.get(row, index)));
      continue;
    }
    const name = path.via.relationshipName;
    let group = groups.get(name);
    if (!group) {
      group = [];
      groups.set(name, group);
      const members = group;
      const lookupIndex = path.via.lookupIndex;
      const parent = path.table;
      const parentHead = attributesPrefix(parent, version);
      let inner: ((row: number) => string)[] | undefined;
      parts.push((row) => {
        const parentRow = table.get(row, lookupIndex) as number | null;
        if (parentRow === null) return `,"${name}":null`;
        inner ??= members.map((m) => {
          const key = `,"${m.field.name}":`;
          const format = jsonFormatter(store, parent, m.field);
          return (r: number) => key + format(parent.get(r, m.fieldIndex));
        });
        let text = `,"${name}":${parentHead(parentRow)}`;
        for (const part of inner) text += part(parentRow);
        return text + '}';
      });
    }
    group.push(path);
  }
  return (row) => {
    let text = head(row);
    for (let i = 0; i < parts.length; i++) text += parts[i](row);
    return text + '}';
  };
}

/** Every field of a record (what `GET /sobjects/X/{id}` returns). */
export function fullRecordWriter(store: OrgStore, table: Table, version: string, only?: number[]): (row: number) => string {
  const indexes = only ?? table.fields.map((_, i) => i);
  const columns: FieldPath[] = indexes.map((fieldIndex) => ({
    table,
    field: table.fields[fieldIndex],
    fieldIndex,
    read: (row) => table.get(row, fieldIndex),
  }));
  return recordWriter(store, table, columns, version);
}
