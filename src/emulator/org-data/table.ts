/** One object's records in columns; a row number is the record's identity (see IdCodec). */
import { BooleanColumn, NumberColumn, ReferenceColumn, StringColumn, type Column, type StoredValue } from './columns.ts';
import { IdCodec } from './ids.ts';
import { isIdText } from './field-defs.ts';
import type { FieldDef, ObjectDef } from './objects.ts';

export type { StoredValue };

export interface TableDump {
  rows: StoredValue[][];
  purged: number[];
}

function columnFor(f: FieldDef): Column | null {
  if (f.type === 'id' || f.derived) return null;
  switch (f.type) {
    case 'boolean':
      return new BooleanColumn();
    case 'reference':
      return isIdText(f) ? new StringColumn() : new ReferenceColumn();
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
    case 'datetime':
      return new NumberColumn();
    default:
      return new StringColumn();
  }
}

export class Table {
  readonly fields: FieldDef[];
  private readonly columns: (Column | null)[];
  private readonly byLowerName: Map<string, number>;
  private readonly externalIndexes = new Map<number, Map<string, number>>();
  private readonly purged = new Set<number>();
  readonly isDeletedField: number;
  readonly createdDateField: number;
  readonly createdByField: number;
  readonly lastModifiedField: number;
  readonly lastModifiedByField: number;
  readonly systemModstampField: number;
  length = 0;

  constructor(
    readonly object: ObjectDef,
    readonly codec: IdCodec,
  ) {
    this.fields = object.fields;
    this.columns = this.fields.map(columnFor);
    this.byLowerName = new Map(this.fields.map((f, i) => [f.name.toLowerCase(), i]));
    this.isDeletedField = this.fieldIndex('IsDeleted');
    this.createdDateField = this.fieldIndex('CreatedDate');
    this.createdByField = this.fieldIndex('CreatedById');
    this.lastModifiedField = this.fieldIndex('LastModifiedDate');
    this.lastModifiedByField = this.fieldIndex('LastModifiedById');
    this.systemModstampField = this.fieldIndex('SystemModstamp');
  }

  get name(): string {
    return this.object.name;
  }

  /** Index of a field by case-insensitive name, -1 if unknown. */
  fieldIndex(name: string): number {
    return this.byLowerName.get(name.toLowerCase()) ?? -1;
  }

  /** Stored value: the row number for Id, the parent's row number for lookups. */
  get(row: number, field: number): StoredValue {
    const column = this.columns[field];
    if (column) return column.get(row);
    const f = this.fields[field];
    if (f.type === 'id') return row;
    return this.derive(row, f);
  }

  set(row: number, field: number, value: StoredValue): void {
    const column = this.columns[field];
    if (!column) return;
    const index = this.externalIndexes.get(field);
    if (index) {
      const old = column.get(row);
      if (typeof old === 'string' && index.get(old.toLowerCase()) === row) index.delete(old.toLowerCase());
      if (typeof value === 'string' && !this.isDeleted(row)) index.set(value.toLowerCase(), row);
    }
    column.set(row, value);
  }

  /** Appends a row from values in field order (derived fields are ignored); returns its number. */
  append(values: StoredValue[]): number {
    const row = this.length++;
    for (let i = 0; i < this.columns.length; i++) this.columns[i]?.push(values[i] ?? null);
    for (const [field, index] of this.externalIndexes) {
      const v = values[field];
      if (typeof v === 'string') index.set(v.toLowerCase(), row);
    }
    return row;
  }

  /** Drops rows appended since `length` was this value (rollback of inserts). */
  truncate(length: number): void {
    for (const column of this.columns) column?.truncate(length);
    this.length = length;
    this.externalIndexes.clear();
  }

  isDeleted(row: number): boolean {
    return this.get(row, this.isDeletedField) === true;
  }

  /** Gone from the recycle bin (aged out, emptied): no query or id lookup finds it any more. */
  isPurged(row: number): boolean {
    return this.purged.has(row);
  }

  purge(row: number): void {
    this.purged.add(row);
  }

  /** Purged rows, for saving the org. */
  purgedRows(): number[] {
    return [...this.purged];
  }

  /** The row of a live record by external id value (case-insensitive), -1 if none. */
  findByExternalId(field: number, value: string): number {
    let index = this.externalIndexes.get(field);
    if (!index) {
      index = new Map();
      for (let row = 0; row < this.length; row++) {
        const v = this.get(row, field);
        if (typeof v === 'string' && !this.isDeleted(row)) index.set(v.toLowerCase(), row);
      }
      this.externalIndexes.set(field, index);
    }
    return index.get(value.toLowerCase()) ?? -1;
  }

  /** Forgets external id indexes (after deletes or rollbacks); rebuilt on next use. */
  dropIndexes(): void {
    this.externalIndexes.clear();
  }

  snapshot(row: number): StoredValue[] {
    return this.fields.map((_, i) => (this.columns[i] ? this.columns[i].get(row) : null));
  }

  restore(row: number, values: StoredValue[]): void {
    for (let i = 0; i < this.columns.length; i++) this.columns[i]?.set(row, values[i]);
    this.externalIndexes.clear();
  }

  /** Every row's stored values and the purged rows, to save the org. */
  dump(): TableDump {
    return { rows: Array.from({ length: this.length }, (_, row) => this.snapshot(row)), purged: this.purgedRows() };
  }

  /** Rows saved by `dump`, into an empty table. */
  load(dump: TableDump): void {
    for (const values of dump.rows) this.append(values);
    for (const row of dump.purged) this.purge(row);
  }

  liveCount(): number {
    let count = 0;
    for (let row = 0; row < this.length; row++) if (!this.isDeleted(row)) count++;
    return count;
  }

  private derive(row: number, f: FieldDef): string {
    if (f.derived === 'contactName') {
      const first = this.get(row, this.fieldIndex('FirstName'));
      const last = this.get(row, this.fieldIndex('LastName'));
      return first ? `${first} ${last}` : String(last ?? '');
    }
    const format = f.autoNumberFormat!;
    return format.prefix + String(format.start + row).padStart(format.digits, '0');
  }
}
