import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | boolean;

const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SYNTAX = /[\\\t\n\r]/;
const TAB = 0x09;
const NEWLINE = 0x0a;

/** A value as COPY's text format reads it: the characters that are its syntax escaped. */
export function copyText(value: CopyValue): string {
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return SYNTAX.test(value) ? value.replace(new RegExp(SYNTAX, 'g'), (c) => ESCAPED[c]) : value;
}

/**
 * Rows in COPY's text format, written straight into one buffer (joining strings first costs more
 * than the rest of the copy). A character takes at most three bytes, escaped or in UTF-8.
 */
export function copyPayload(rows: readonly (readonly CopyValue[])[]): Buffer {
  let characters = 0;
  for (const row of rows) for (const value of row) characters += (typeof value === 'string' ? value.length : 1) + 1;
  const payload = Buffer.allocUnsafe(characters * 3);
  let length = 0;
  for (const row of rows) {
    for (const [i, value] of row.entries()) {
      if (i > 0) payload[length++] = TAB;
      length += payload.write(copyText(value), length);
    }
    payload[length++] = NEWLINE;
  }
  return payload.subarray(0, length);
}

/**
 * Rows into a table by `COPY … FROM STDIN`, on the connection (and so in the transaction) the
 * caller holds. PostgreSQL reads a batch this way at a fraction of the CPU that array parameters
 * cost it: record contents are most of what a backup sends.
 */
export async function copyRows(client: pg.PoolClient, table: string, columns: readonly string[], rows: readonly (readonly CopyValue[])[]): Promise<void> {
  await pipeline(Readable.from([copyPayload(rows)]), client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
}
