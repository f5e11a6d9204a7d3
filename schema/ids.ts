import { NotFoundError } from '../src/errors.ts';
import { globalId } from '../src/global-ids.ts';

/** The row id behind a global id argument; an id of another type is not found, like an unknown one. */
export function localId(decoded: { typename: string; id: string }, typename: string): string {
  if (decoded.typename !== typename) throw new NotFoundError(typename, decoded.id, globalId(decoded.typename, decoded.id));
  return decoded.id;
}

export { globalId };

/** The type and row id a global id names; undefined when the text is not one. */
export function decodeGlobalId(globalID: string): { typename: string; id: string } | undefined {
  const decoded = Buffer.from(globalID, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0 || separator === decoded.length - 1) return undefined;
  return { typename: decoded.slice(0, separator), id: decoded.slice(separator + 1) };
}

/** The row id of a global id given as a filter; text that is no global id is kept, and matches nothing. */
export function rowIdOf(value: string | null | undefined): string | null {
  return value ? (decodeGlobalId(value)?.id ?? value) : null;
}
