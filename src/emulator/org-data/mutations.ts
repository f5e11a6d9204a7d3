/** Creates, updates, upserts and deletes with Salesforce's checks, undoable until committed. */
import { checkRequired, readInput } from './field-input.ts';
import { childRelationships } from './objects.ts';
import { invalidCrossReference, RecordError } from './save-errors.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { applyValidationRules } from './validation-rules.ts';

/** Undo steps for an all-or-none batch, replayed in reverse on rollback. */
export class Transaction {
  private readonly undo: (() => void)[] = [];

  onRollback(step: () => void): void {
    this.undo.push(step);
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]();
    this.undo.length = 0;
  }
}

function rememberRow(tx: Transaction, table: Table, row: number): void {
  const before = table.snapshot(row);
  tx.onRollback(() => table.restore(row, before));
}

function checkUnique(table: Table, row: number, changes: Map<number, StoredValue>): void {
  for (const [index, value] of changes) {
    const f = table.fields[index];
    if (!f.unique || typeof value !== 'string') continue;
    const other = table.findByExternalId(index, value);
    if (other >= 0 && other !== row) {
      throw new RecordError(
        'DUPLICATE_VALUE',
        `duplicate value found: ${f.name} duplicates value on record with id: ${table.codec.format(other)}`,
        [f.name],
      );
    }
  }
}

export class Mutator {
  constructor(private readonly store: OrgStore) {}

  /** Inserts a record; returns its row. Throws RecordError. */
  create(table: Table, input: Record<string, unknown>, tx: Transaction): number {
    const changes = readInput(this.store, table, input, 'create');
    checkRequired(table, changes, 'create');
    const values: StoredValue[] = table.fields.map((f, i) =>
      changes.has(i) ? changes.get(i)! : f.defaultedOnCreate ? (f.defaultValue as StoredValue) : null,
    );
    applyValidationRules(table, (name) => values[table.fieldIndex(name)]);
    checkUnique(table, -1, changes);
    const stamp = this.store.clock.next();
    values[table.isDeletedField] = false;
    values[table.createdDateField] = stamp;
    values[table.lastModifiedField] = stamp;
    values[table.systemModstampField] = stamp;
    const before = table.length;
    tx.onRollback(() => table.truncate(before));
    return table.append(values);
  }

  /** Updates a live record. Throws RecordError. */
  update(table: Table, row: number, input: Record<string, unknown>, tx: Transaction): void {
    const changes = readInput(this.store, table, input, 'update');
    checkRequired(table, changes, 'update');
    applyValidationRules(table, (name) => {
      const index = table.fieldIndex(name);
      return changes.has(index) ? changes.get(index)! : table.get(row, index);
    });
    checkUnique(table, row, changes);
    rememberRow(tx, table, row);
    for (const [index, value] of changes) table.set(row, index, value);
    const stamp = this.store.clock.next();
    table.set(row, table.lastModifiedField, stamp);
    table.set(row, table.systemModstampField, stamp);
  }

  /** Updates the live record whose external id matches, or creates one. */
  upsert(table: Table, externalField: number, input: Record<string, unknown>, tx: Transaction): { row: number; created: boolean } {
    const f = table.fields[externalField];
    const key = Object.keys(input).find((k) => k.toLowerCase() === f.name.toLowerCase());
    const value = key === undefined ? undefined : input[key];
    if (value === undefined || value === null || value === '') {
      throw new RecordError('MISSING_ARGUMENT', `${f.name} not specified`, [f.name]);
    }
    let row = -1;
    if (f.type === 'id') {
      const ref = this.store.resolve(String(value));
      if (!ref || ref.table !== table) throw invalidCrossReference();
      if (ref.table.isDeleted(ref.row)) throw new RecordError('ENTITY_IS_DELETED', 'entity is deleted');
      row = ref.row;
    } else {
      row = table.findByExternalId(externalField, String(value));
    }
    if (row < 0) return { row: this.create(table, input, tx), created: true };
    const { [key!]: _ignored, ...rest } = input;
    this.update(table, row, f.type === 'id' ? rest : input, tx);
    return { row, created: false };
  }

  /**
   * Moves live records to the recycle bin, cascading like Salesforce: master-detail style children
   * are deleted with their parent, other lookups to it are cleared.
   */
  delete(records: { table: Table; row: number }[], tx: Transaction): void {
    let pending = new Map<Table, Set<number>>();
    for (const { table, row } of records) {
      if (!pending.has(table)) pending.set(table, new Set());
      pending.get(table)!.add(row);
    }
    while (pending.size > 0) {
      const next = new Map<Table, Set<number>>();
      for (const [table, rows] of pending) {
        for (const row of rows) this.markDeleted(table, row, tx);
        table.dropIndexes();
        for (const relation of childRelationships(table.name)) {
          const child = this.store.table(relation.childSObject)!;
          const lookup = child.fieldIndex(relation.field);
          for (let r = 0; r < child.length; r++) {
            const parent = child.get(r, lookup);
            if (parent === null || !rows.has(parent as number) || child.isDeleted(r)) continue;
            if (relation.cascadeDelete) {
              if (!next.has(child)) next.set(child, new Set());
              next.get(child)!.add(r);
            } else {
              rememberRow(tx, child, r);
              child.set(r, lookup, null);
              const stamp = this.store.clock.next();
              child.set(r, child.lastModifiedField, stamp);
              child.set(r, child.systemModstampField, stamp);
            }
          }
        }
      }
      pending = next;
    }
  }

  private markDeleted(table: Table, row: number, tx: Transaction): void {
    if (table.isDeleted(row)) return;
    rememberRow(tx, table, row);
    table.set(row, table.isDeletedField, true);
    table.set(row, table.systemModstampField, this.store.clock.next());
  }
}
