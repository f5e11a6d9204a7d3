/** Creates, updates, upserts and deletes with Salesforce's checks, undoable until committed. */
import { QUIET_WRITE, type WriteContext } from './automation.ts';
import { checkRequired, readInput } from './field-input.ts';
import { childRelationships } from './objects.ts';
import { invalidCrossReference, RecordError } from './save-errors.ts';
import type { RecordRef } from './store.ts';
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
  create(table: Table, input: Record<string, unknown>, tx: Transaction, context: WriteContext = QUIET_WRITE): number {
    const changes = readInput(this.store, table, input, 'create');
    checkRequired(table, changes, 'create');
    const values: StoredValue[] = table.fields.map((f, i) =>
      changes.has(i) ? changes.get(i)! : f.defaultedOnCreate ? (f.defaultValue as StoredValue) : null,
    );
    applyValidationRules(table, (name) => values[table.fieldIndex(name)]);
    checkUnique(table, -1, changes);
    const { automation } = this.store;
    automation.checkDuplicates(table, values[table.fieldIndex('Name')] ?? null, context);
    automation.assign(table, (i) => values[i]!, (i, value) => (values[i] = value), context);
    this.count('created', tx);
    const stamp = this.store.clock.next();
    values[table.isDeletedField] = false;
    values[table.createdDateField] = stamp;
    values[table.lastModifiedField] = stamp;
    values[table.systemModstampField] = stamp;
    const user = context.userId ?? this.store.otherUserId;
    if (table.createdByField >= 0) values[table.createdByField] = values[table.lastModifiedByField] = user;
    const before = table.length;
    tx.onRollback(() => table.truncate(before));
    return table.append(values);
  }

  /** Updates a live record. Throws RecordError. */
  update(table: Table, row: number, input: Record<string, unknown>, tx: Transaction, context: WriteContext = QUIET_WRITE): void {
    const changes = readInput(this.store, table, input, 'update');
    checkRequired(table, changes, 'update');
    applyValidationRules(table, (name) => {
      const index = table.fieldIndex(name);
      return changes.has(index) ? changes.get(index)! : table.get(row, index);
    });
    checkUnique(table, row, changes);
    rememberRow(tx, table, row);
    for (const [index, value] of changes) table.set(row, index, value);
    this.store.automation.assign(table, (i) => table.get(row, i), (i, value) => table.set(row, i, value), context);
    this.count('updated', tx);
    const stamp = this.store.clock.next();
    table.set(row, table.lastModifiedField, stamp);
    table.set(row, table.systemModstampField, stamp);
    if (table.lastModifiedByField >= 0) table.set(row, table.lastModifiedByField, context.userId ?? this.store.otherUserId);
  }

  /** Updates the live record whose external id matches, or creates one. */
  upsert(
    table: Table,
    externalField: number,
    input: Record<string, unknown>,
    tx: Transaction,
    context: WriteContext = QUIET_WRITE,
  ): { row: number; created: boolean } {
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
    if (row < 0) return { row: this.create(table, input, tx, context), created: true };
    const { [key!]: _ignored, ...rest } = input;
    this.update(table, row, f.type === 'id' ? rest : input, tx, context);
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
              this.rememberCascade({ table, row: parent as number }, { table: child, row: r }, tx);
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

  /**
   * Brings records back from the recycle bin with their ids, and the children their delete
   * cascaded to (Salesforce's undelete). Throws RecordError when the record is not in the bin.
   */
  undelete(ref: RecordRef, tx: Transaction): void {
    if (!ref.table.isDeleted(ref.row)) throw new RecordError('UNDELETE_FAILED', 'Entity is not in the recycle bin');
    // A child deleted with its parent comes back with it, not on its own.
    for (const f of ref.table.fields) {
      if (f.type !== 'reference' || !f.cascadeDelete) continue;
      const parent = ref.table.get(ref.row, ref.table.fieldIndex(f.name));
      const parentTable = this.store.table(f.referenceTo[0]);
      if (typeof parent === 'number' && parentTable?.isDeleted(parent)) {
        throw new RecordError('UNDELETE_FAILED', `Its parent record (${f.name}) is in the recycle bin: undelete that record first`, [f.name]);
      }
    }
    const pending = [ref];
    while (pending.length > 0) {
      const { table, row } = pending.pop()!;
      if (!table.isDeleted(row)) continue;
      rememberRow(tx, table, row);
      table.set(row, table.isDeletedField, false);
      const stamp = this.store.clock.next();
      table.set(row, table.lastModifiedField, stamp);
      table.set(row, table.systemModstampField, stamp);
      table.dropIndexes();
      const key = `${table.name}:${row}`;
      pending.push(...(this.store.cascaded.get(key) ?? []));
      this.store.cascaded.delete(key);
    }
    this.count('undeleted', tx);
  }

  private rememberCascade(parent: RecordRef, child: RecordRef, tx: Transaction): void {
    const key = `${parent.table.name}:${parent.row}`;
    const children = this.store.cascaded.get(key) ?? [];
    children.push(child);
    this.store.cascaded.set(key, children);
    tx.onRollback(() => children.splice(children.indexOf(child), 1));
  }

  /** Counts a committed write; a rolled-back one is taken off again. */
  private count(kind: 'created' | 'updated' | 'deleted' | 'undeleted', tx: Transaction): void {
    const counters = this.store.automation.counters;
    counters[kind] += 1;
    tx.onRollback(() => (counters[kind] -= 1));
  }

  private markDeleted(table: Table, row: number, tx: Transaction): void {
    if (table.isDeleted(row)) return;
    rememberRow(tx, table, row);
    table.set(row, table.isDeletedField, true);
    table.set(row, table.systemModstampField, this.store.clock.next());
    this.count('deleted', tx);
  }
}
