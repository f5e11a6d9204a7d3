import type { RecordText } from '../salesforce/query.ts';
import type { OrganisationCipher, SealedRecords } from './organisation-cipher.ts';

/** Records of one object ready to store: sealed together, with their ids and which were deleted. */
export interface SealedBatch extends SealedRecords {
  /** How many records: the batch counts as its records wherever records are counted. */
  length: number;
  /** Their ids, comma-separated (one string crosses threads faster than many): see `idsOf`. */
  ids: string;
  /** 1 where the record was in the recycle bin. */
  deleted: Uint8Array;
}

export function sealBatch(cipher: OrganisationCipher, object: string, records: RecordText[]): SealedBatch {
  return {
    ...cipher.sealRecords(object, records.map((record) => record.json)),
    length: records.length,
    ids: records.map((record) => record.Id).join(','),
    deleted: Uint8Array.from(records, (record) => (record.IsDeleted ? 1 : 0)),
  };
}

/** The batch's record ids, in order (Salesforce ids are letters and digits). */
export const idsOf = (batch: SealedBatch): string[] => (batch.length === 0 ? [] : batch.ids.split(','));

/**
 * The buffers a batch's arrays fill whole (made for it, not slices of a shared pool): moved, not
 * copied, between threads.
 */
export function buffersOf(batch: SealedBatch): ArrayBuffer[] {
  return [batch.bytes, batch.bounds, batch.digests, batch.deleted]
    .filter((array) => array.byteOffset === 0 && array.byteLength === array.buffer.byteLength && array.byteLength > 0)
    .map((array) => array.buffer as ArrayBuffer);
}
