/** Resolving field paths (`Name`, `Account.Name`) of a query against the schema. */
import type { FieldDef } from './objects.ts';
import { noSuchColumn } from './soql-errors.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';

export interface FieldPath {
  /** The field's table (the parent's for `Account.Name`). */
  table: Table;
  field: FieldDef;
  fieldIndex: number;
  /** For a parent field: the lookup on the queried object and its relationship name. */
  via?: { lookupIndex: number; relationshipName: string };
  read: (row: number) => StoredValue;
}

export function resolveField(store: OrgStore, table: Table, path: string, soql: string): FieldPath {
  const parts = path.split('.');
  if (parts.length === 1) {
    const fieldIndex = table.fieldIndex(path);
    if (fieldIndex < 0) throw noSuchColumn(soql, path, table.name);
    return { table, field: table.fields[fieldIndex], fieldIndex, read: (row) => table.get(row, fieldIndex) };
  }
  if (parts.length === 2) {
    const lookupIndex = table.fields.findIndex(
      (f) => f.relationshipName !== null && f.referenceTo.length === 1 && f.relationshipName.toLowerCase() === parts[0].toLowerCase(),
    );
    if (lookupIndex >= 0) {
      const lookup = table.fields[lookupIndex];
      const parent = store.table(lookup.referenceTo[0])!;
      const fieldIndex = parent.fieldIndex(parts[1]);
      if (fieldIndex < 0) throw noSuchColumn(soql, path, table.name);
      return {
        table: parent,
        field: parent.fields[fieldIndex],
        fieldIndex,
        via: { lookupIndex, relationshipName: lookup.relationshipName! },
        read: (row) => {
          const parentRow = table.get(row, lookupIndex);
          return parentRow === null ? null : parent.get(parentRow as number, fieldIndex);
        },
      };
    }
  }
  throw noSuchColumn(soql, path, table.name);
}
