/** SOQL text, built in one place: field lists, datetime literals, the filters backups use. */

/** Salesforce writes `2024-01-15T10:30:00.000+0000`; a SOQL literal wants `+00:00`. */
export function soqlDateTime(stamp: string): string {
  return stamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

export function selectQuery(object: string, fields: string[], where?: string): string {
  return `SELECT ${fields.join(', ')} FROM ${object}${where ? ` WHERE ${where}` : ''}`;
}

/** Records stamped at or after a moment (`>=`: a record saved in the same millisecond is read again, not missed). */
export function stampedSince(stamp: string): string {
  return `SystemModstamp >= ${soqlDateTime(stamp)}`;
}

export const DELETED_ONLY = 'IsDeleted = true';
