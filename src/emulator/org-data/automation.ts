/**
 * Org automation that a write can set off, and the request headers that hold it back:
 * assignment rules (`Sforce-Auto-Assign: FALSE`) and duplicate rules
 * (`Sforce-Duplicate-Rule-Header: allowSave=true`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RecordError } from './save-errors.ts';
import type { StoredValue, Table } from './table.ts';

export interface WriteContext {
  /** Active assignment rules run: the default when the header is missing. */
  autoAssign: boolean;
  /** Duplicate rules with an alert let the save through. */
  allowDuplicateSave: boolean;
  /** The API user making the write; writes outside the API are the org's other user's. */
  userId?: string;
}

/** Writes made without the API (tests, seeding) set off nothing. */
export const QUIET_WRITE: WriteContext = { autoAssign: false, allowDuplicateSave: true };

/** Salesforce's defaults: assignment rules on, duplicate alerts block the save. */
export function writeContextOf(headers: IncomingHttpHeaders, userId: string): WriteContext {
  const autoAssign = String(headers['sforce-auto-assign'] ?? 'TRUE').trim().toUpperCase() !== 'FALSE';
  const duplicateHeader = String(headers['sforce-duplicate-rule-header'] ?? '');
  const allowDuplicateSave = /(^|[;,\s])allowSave\s*=\s*true\b/i.test(duplicateHeader);
  return { autoAssign, allowDuplicateSave, userId };
}

/** Objects whose assignment rules run on API writes (Salesforce: Accounts, Cases and Leads). */
const ASSIGNMENT_OBJECTS = new Set(['Account', 'Case', 'Lead']);

export interface WriteCounters {
  created: number;
  updated: number;
  deleted: number;
  undeleted: number;
  /** Records whose owner an assignment rule changed (the auto-assign header was missing). */
  assignmentRulesFired: number;
  /** Saves a duplicate rule refused (no allowSave in the duplicate-rule header). */
  duplicatesBlocked: number;
}

export const emptyWriteCounters = (): WriteCounters => ({
  created: 0,
  updated: 0,
  deleted: 0,
  undeleted: 0,
  assignmentRulesFired: 0,
  duplicatesBlocked: 0,
});

export class Automation {
  readonly counters = emptyWriteCounters();
  /** Active assignment rules, by object; on by default like a real org's Case and Lead rules. */
  assignmentRules = true;
  /** The standard Account duplicate rule (exact name match), action Alert on create. */
  duplicateRules = true;

  /** An active assignment rule runs on create and update unless the request turned it off. */
  assign(table: Table, values: (index: number) => StoredValue, set: (index: number, value: StoredValue) => void, context: WriteContext): void {
    if (!this.assignmentRules || !context.autoAssign || !ASSIGNMENT_OBJECTS.has(table.name)) return;
    this.counters.assignmentRulesFired += 1;
    const owner = table.fieldIndex('OwnerId');
    // The rule hands the record to the default owner queue: here, the first row of the owner's object.
    if (owner >= 0 && values(owner) !== 0) set(owner, 0);
  }

  /** Refuses a new Account whose name a live Account already has, unless the save is allowed. */
  checkDuplicates(table: Table, name: StoredValue, context: WriteContext): void {
    if (!this.duplicateRules || context.allowDuplicateSave || table.name !== 'Account' || typeof name !== 'string') return;
    const nameField = table.fieldIndex('Name');
    const lower = name.toLowerCase();
    for (let row = 0; row < table.length; row++) {
      const other = table.get(row, nameField);
      if (typeof other === 'string' && other.toLowerCase() === lower && !table.isDeleted(row)) {
        this.counters.duplicatesBlocked += 1;
        throw new RecordError('DUPLICATES_DETECTED', 'Use one of these records?', []);
      }
    }
  }
}
