import type { RecordText } from '../salesforce/query.ts';
import type { OrganisationCipher, SealedRecords } from './organisation-cipher.ts';

/** Records of one object ready to store: sealed together, with their ids and which were deleted. */
export interface SealedBatch extends SealedRecords {
  /** How many records: the batch counts as its records wherever records are counted. */
  length: number;
  ids: string[];
  /** 1 where the record was in the recycle bin. */
  deleted: Uint8Array;
}

export function sealBatch(cipher: OrganisationCipher, object: string, records: RecordText[]): SealedBatch {
  return {
    ...cipher.sealRecords(object, records.map((record) => record.json)),
    length: records.length,
    ids: records.map((record) => record.Id),
    deleted: Uint8Array.from(records, (record) => (record.IsDeleted ? 1 : 0)),
  };
}
