/**
 * Record contents on PostgreSQL: `record_versions.data` is text, and sealed bytes are kept in it
 * as base64 (a purged record's marker stays the text it is).
 */
export const storedText = (data: Buffer | string): string => (typeof data === 'string' ? data : data.toString('base64'));

/** Sealed contents as stored, back to their bytes. */
export const bytesOfStoredText = (text: string): Buffer => Buffer.from(text, 'base64');
