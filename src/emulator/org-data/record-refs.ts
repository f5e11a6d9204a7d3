/** Finding the live record an id in a write request names, with the error Salesforce gives. */
import { canonicalId15 } from './ids.ts';
import { entityIsDeleted, invalidCrossReference, malformedId, RecordError } from './save-errors.ts';
import type { OrgStore, RecordRef } from './store.ts';
import type { Table } from './table.ts';

export function liveRecord(store: OrgStore, id: unknown, expected?: Table): RecordRef {
  if (typeof id !== 'string' || id === '') throw new RecordError('MISSING_ARGUMENT', 'Id not specified in an update call');
  const id15 = canonicalId15(id);
  if (!id15) throw malformedId(id);
  if (expected && id15.slice(0, 3) !== expected.codec.keyPrefix) {
    throw new RecordError('INVALID_ID_FIELD', `Record ID: id value of incorrect type: ${id}`, ['Id']);
  }
  const ref = store.resolve(id15);
  if (!ref) throw invalidCrossReference();
  if (ref.table.isDeleted(ref.row)) throw entityIsDeleted();
  return ref;
}
