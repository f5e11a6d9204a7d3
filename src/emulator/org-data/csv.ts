/** Records as Bulk API 2.0 CSV: every value quoted, quotes doubled, nulls empty. */
import { isIdText } from './field-defs.ts';
import type { FieldDef } from './objects.ts';
import type { FieldPath } from './soql-fields.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { formatDatetimeZulu } from './values.ts';

export const COLUMN_DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  SEMICOLON: ';',
  PIPE: '|',
  CARET: '^',
  BACKQUOTE: '`',
};

export function quoteCsv(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

function csvFormatter(store: OrgStore, table: Table, field: FieldDef): (v: StoredValue) => string {
  switch (field.type) {
    case 'id':
      return (v) => (v === null ? '' : `"${table.codec.format(v as number)}"`);
    case 'reference': {
      if (isIdText(field)) return (v) => (v === null ? '' : `"${v as string}"`);
      const target = store.table(field.referenceTo[0])!;
      return (v) => (v === null ? '' : `"${target.codec.format(v as number)}"`);
    }
    case 'datetime':
      return (v) => (v === null ? '' : `"${formatDatetimeZulu(v as number)}"`);
    case 'boolean':
      return (v) => (v ? '"true"' : '"false"');
    default:
      return (v) => (v === null ? '' : quoteCsv(String(v)));
  }
}

export function csvHeader(columns: FieldPath[], delimiter: string): string {
  return columns
    .map((c) => quoteCsv(c.via ? `${c.via.relationshipName}.${c.field.name}` : c.field.name))
    .join(delimiter);
}

export function csvRowWriter(store: OrgStore, columns: FieldPath[], delimiter: string): (row: number) => string {
  const cells = columns.map((c) => {
    const format = csvFormatter(store, c.table, c.field);
    return (row: number) => format(c.read(row));
  });
  return (row) => {
    let line = cells[0](row);
    for (let i = 1; i < cells.length; i++) line += delimiter + cells[i](row);
    return line;
  };
}
