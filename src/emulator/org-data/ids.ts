/** Salesforce record ids: 15 case-sensitive characters plus a 3-character case checksum. */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const COUNTER_DIGITS = 9;

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

/** The 3-character suffix: per 5-character chunk, bit i is set when character i is A-Z. */
export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      if (isUpper(id15.charCodeAt(chunk * 5 + i))) bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits];
  }
  return suffix;
}

export function to18(id15: string): string {
  return id15 + checksumSuffix(id15);
}

export function looksLikeId(value: string): boolean {
  return ID_SHAPE.test(value);
}

/**
 * The case-exact 15-character form of a 15- or 18-character id, or null when malformed.
 * An 18-character id may arrive in any case: its suffix says which letters are capitals.
 */
export function canonicalId15(id: string): string | null {
  if (!ID_SHAPE.test(id)) return null;
  if (id.length === 15) return id;
  let fixed = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = CHECKSUM_ALPHABET.indexOf(id[15 + chunk].toUpperCase());
    if (bits < 0) return null;
    for (let i = 0; i < 5; i++) {
      const ch = id[chunk * 5 + i];
      fixed += bits & (1 << i) ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  return checksumSuffix(fixed) === id.slice(15).toUpperCase() ? fixed : null;
}

export function encodeBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function decodeBase62(text: string): number {
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = BASE62.indexOf(text[i]);
    if (digit < 0) return -1;
    value = value * 62 + digit;
  }
  return value;
}

/** A short base62 tag derived from a string, used to make ids differ between orgs. */
export function base62Tag(text: string, width: number): string {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return encodeBase62((hash >>> 0) % 62 ** width, width);
}

/**
 * Ids of one object in one org: key prefix, a 2-character org tag, a reserved `0`, and a base62
 * counter. Row n of the object's table has counter `start + n`, so an id maps back to its row
 * without an index.
 */
export class IdCodec {
  private readonly head: string;

  constructor(
    readonly keyPrefix: string,
    orgTag: string,
    private readonly start: number,
  ) {
    this.head = keyPrefix + orgTag + '0';
  }

  format(row: number): string {
    return to18(this.head + encodeBase62(this.start + row, COUNTER_DIGITS));
  }

  /** The row an id names (-1 if it is not one of this object's ids in this org). */
  rowOf(id15: string): number {
    if (!id15.startsWith(this.head)) return -1;
    const counter = decodeBase62(id15.slice(this.head.length));
    return counter < this.start ? -1 : counter - this.start;
  }
}
