import { NotFoundError } from '../src/errors.ts';

/** The global id the API shows for a row (the relay plugin's encoding, set in the builder). */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}

/** The row id behind a global id argument; an id of another type is not found, like an unknown one. */
export function localId(decoded: { typename: string; id: string }, typename: string): string {
  if (decoded.typename !== typename) throw new NotFoundError(typename, globalId(decoded.typename, decoded.id));
  return decoded.id;
}
