/** Per-record failures, as collections report them (`statusCode`, not `errorCode`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export class RecordError extends Error {
  readonly errors: SaveError[];
  constructor(statusCode: string, message: string, fields: string[] = []) {
    super(`${statusCode}: ${message}`);
    this.errors = [{ statusCode, message, fields }];
  }
}

export const entityIsDeleted = () => new RecordError('ENTITY_IS_DELETED', 'entity is deleted');
export const invalidCrossReference = () => new RecordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
export const malformedId = (id: string) => new RecordError('MALFORMED_ID', `malformed id ${id}`);
export const rolledBack = (): SaveError => ({
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
});
