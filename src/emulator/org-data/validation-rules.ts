/** Org validation rules, so restores can meet a record Salesforce rejects. */
import { RecordError } from './save-errors.ts';
import type { StoredValue, Table } from './table.ts';

type FieldReader = (name: string) => StoredValue;

interface ValidationRule {
  object: string;
  field: string;
  message: string;
  failsWhen(read: FieldReader): boolean;
}

const RULES: ValidationRule[] = [
  {
    object: 'Invoice__c',
    field: 'Amount__c',
    message: 'Invoice amount cannot be negative',
    failsWhen: (read) => ((read('Amount__c') as number | null) ?? 0) < 0,
  },
];

export function applyValidationRules(table: Table, read: FieldReader): void {
  for (const rule of RULES) {
    if (rule.object === table.name && rule.failsWhen(read)) {
      throw new RecordError('FIELD_CUSTOM_VALIDATION_EXCEPTION', rule.message, [rule.field]);
    }
  }
}
